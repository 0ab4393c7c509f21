# The app's credentials (e.g. MLFLOW_TRACKING_TOKEN) as one JSON secret. Terraform creates the
# container only: the value is put with `aws secretsmanager put-secret-value`, so it is never in
# the state, a tfvars file or this repository.

variable "name" {
  description = "Prefix of the secret name."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the secret."
  type        = string
}

resource "aws_secretsmanager_secret" "app" {
  #checkov:skip=CKV2_AWS_57:the token is issued and rotated by its own service (MLflow); a rotation Lambda here could not renew it
  name                    = "${var.name}/app"
  description             = "Credentials of the ${var.name} workloads, synced into the cluster by External Secrets."
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 30
}

output "secret_name" {
  value = aws_secretsmanager_secret.app.name
}

output "secret_arn" {
  value = aws_secretsmanager_secret.app.arn
}
