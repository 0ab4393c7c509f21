"""What the API and the batch job share: the input schema, model loading and the predictor."""
