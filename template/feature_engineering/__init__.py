"""Feature engineering: the split and the scikit-learn feature pipeline saved with the model."""
