"""Mirror a profile's charts (and their images) into another OCI registry, resumably."""
