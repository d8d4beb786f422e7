"""Action handlers by resource, the registry and the envelope (see actions.catalogue)."""
