"""The concerns of ASL definition validation, one module each; ``engine.states.definition`` is the API.

``report`` collects diagnostics; ``parsing`` turns text into JSON; ``machine`` walks the
state machine and its branches; ``fields`` knows which field belongs where; ``state_checks``,
``choice_rules``, ``retry_catch``, ``payloads`` and ``distributed_checks`` (ItemReader,
ItemBatcher, ResultWriter, Label) check the parts of a state; ``graph`` checks transitions,
reachability and terminal states.
"""
