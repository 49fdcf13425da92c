"""Site machinery: blocks generated from code for the pages, and the rules behind the
interactive dispatch visualizer. Nothing here is shown as example code."""
