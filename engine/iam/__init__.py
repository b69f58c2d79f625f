"""IAM identity-based policies: parse and validate documents, decide a request, and say which
permission a Step Functions Task needs.

Pure: no Django, no I/O. The workbench stores roles and their inline policies and asks this
package whether an execution role may do what a Task state is about to do.
"""
