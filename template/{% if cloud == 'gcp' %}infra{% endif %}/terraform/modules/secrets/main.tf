# The app's credentials (e.g. MLFLOW_TRACKING_TOKEN) as one JSON secret. Terraform creates the
# container only: the value is added with `gcloud secrets versions add`, so it is never in the
# state, a tfvars file or this repository.

variable "name" {
  description = "Secret ID."
  type        = string
}

variable "location" {
  description = "Region the secret is replicated to (the key's region)."
  type        = string
}

variable "kms_key_id" {
  description = "Cloud KMS key encrypting the secret."
  type        = string
}

resource "google_secret_manager_secret" "app" {
  secret_id = var.name

  replication {
    user_managed {
      replicas {
        location = var.location
        customer_managed_encryption {
          kms_key_name = var.kms_key_id
        }
      }
    }
  }
}

output "secret_id" {
  value = google_secret_manager_secret.app.id
}

output "secret_name" {
  value = google_secret_manager_secret.app.secret_id
}
