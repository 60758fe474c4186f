"""Channel adapters, one file each; they convert, and do nothing else."""
