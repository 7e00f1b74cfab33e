"""ketenlink: links iJw/iWmo message traffic into care trajectories."""
