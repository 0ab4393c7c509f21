# The bucket for raw data and MLflow artifacts: uniform access (IAM only, no object ACLs), public
# access prevention enforced, versioned, encrypted with the environment's key (CMEK).

variable "name" {
  description = "Globally unique bucket name."
  type        = string
}

variable "location" {
  description = "Region of the bucket."
  type        = string
}

variable "kms_key_id" {
  description = "Cloud KMS key encrypting every object."
  type        = string
}

resource "google_storage_bucket" "this" {
  #checkov:skip=CKV_GCP_62:access is recorded by Cloud Audit Logs (data access), not by legacy usage logs to another bucket
  name                        = var.name
  location                    = var.location
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = false

  versioning {
    enabled = true
  }

  encryption {
    default_kms_key_name = var.kms_key_id
  }

  lifecycle_rule {
    condition {
      days_since_noncurrent_time = 90
      with_state                 = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
}

output "bucket_name" {
  value = google_storage_bucket.this.name
}
