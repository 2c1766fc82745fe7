"""Four-eyes: decisions that wait for a second operator person before they are carried out."""
