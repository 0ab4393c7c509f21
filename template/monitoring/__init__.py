"""Monitoring: drift detection against the training reference, online quality from the
prediction log joined with labels, and the Prometheus rules, alerts and dashboards beside them."""
