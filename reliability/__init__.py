"""The reliability harness (`make reliability`): crash, fault, fuzzing and hostile-input scenarios; not part of the installed package."""
