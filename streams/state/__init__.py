"""State stores behind the core's ports (rocksdict lives only here)."""
