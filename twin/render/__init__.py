"""PyVista scenes of a plant (stub until rendering lands)."""
