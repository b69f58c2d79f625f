"""Plain helpers shared by the shell's apps: AWS-shaped errors, ARNs, JSON and paging."""
