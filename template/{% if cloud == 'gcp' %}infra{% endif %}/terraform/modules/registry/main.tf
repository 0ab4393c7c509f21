# The image repository: immutable tags (a tag names one build), CMEK-encrypted, the last 50
# images kept.

variable "name" {
  description = "Repository ID."
  type        = string
}

variable "image" {
  description = "Image name inside the repository."
  type        = string
}

variable "project_id" {
  description = "Google Cloud project of the repository."
  type        = string
}

variable "location" {
  description = "Region of the repository."
  type        = string
}

variable "kms_key_id" {
  description = "Cloud KMS key encrypting the images."
  type        = string
}

resource "google_artifact_registry_repository" "this" {
  repository_id = var.name
  location      = var.location
  format        = "DOCKER"
  description   = "Images of ${var.name}"
  kms_key_name  = var.kms_key_id

  docker_config {
    immutable_tags = true
  }

  cleanup_policy_dry_run = false
  cleanup_policies {
    id     = "keep-last-50"
    action = "KEEP"
    most_recent_versions {
      keep_count = 50
    }
  }
}

output "repository_id" {
  value = google_artifact_registry_repository.this.id
}

output "repository_url" {
  description = "Image path: <location>-docker.pkg.dev/<project>/<repository>/<image>."
  value       = "${var.location}-docker.pkg.dev/${var.project_id}/${google_artifact_registry_repository.this.repository_id}/${var.image}"
}
