"""Browser pages that act on executions (start one, answer a task token): they call
workbench.runtime, so they sit in the top layer with the AWS API and the server, not inside
the resource apps below the runtime."""
