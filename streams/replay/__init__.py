"""`ketenlink replay`: the engine over archives, with RocksDB state and output files."""
