"""Registry events: notifications from registries that refresh single repositories."""
