"""Predictive maintenance: equipment health, sensors, policies and remaining-useful-life."""
