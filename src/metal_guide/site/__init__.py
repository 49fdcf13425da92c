"""Site machinery: blocks generated from code for the pages, and the rules behind the
interactive dispatch visualizer, and the SVG pieces the generated figures share (`svg`).
Nothing here is shown as example code."""
