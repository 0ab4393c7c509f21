"""The Feast feature store: definitions generated from configs/data.yaml, the offline sources
written from the validated layer, the training set read point in time, and online lookups."""
