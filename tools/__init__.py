"""Developer and test tools that are not part of the ketenlink package."""
