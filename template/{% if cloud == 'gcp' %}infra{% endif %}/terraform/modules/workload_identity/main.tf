# GKE Workload Identity: one Google service account, impersonable only by the project's
# Kubernetes ServiceAccount in the environment's namespace. It reads and writes objects of the
# project's bucket and reads the app's secrets: every grant is on the resource, none on the
# project.

variable "name" {
  description = "Prefix of the service account ID."
  type        = string
}

variable "project_id" {
  description = "Google Cloud project (its workload pool is <project_id>.svc.id.goog)."
  type        = string
}

variable "namespace" {
  description = "Namespace of the ServiceAccount."
  type        = string
}

variable "service_account" {
  description = "Name of the Kubernetes ServiceAccount allowed to impersonate."
  type        = string
}

variable "bucket_name" {
  description = "The project's bucket."
  type        = string
}

variable "secret_ids" {
  description = "Secrets the workloads read."
  type        = list(string)
}

variable "database_instance" {
  description = "Cloud SQL instance the workload connects to; empty when there is none."
  type        = string
  default     = ""
}

resource "google_service_account" "workload" {
  account_id   = "${var.name}-wl"
  display_name = "${var.name} workloads (GKE Workload Identity)"
}

resource "google_service_account_iam_member" "workload_identity" {
  service_account_id = google_service_account.workload.name
  role               = "roles/iam.workloadIdentityUser"
  member             = "serviceAccount:${var.project_id}.svc.id.goog[${var.namespace}/${var.service_account}]"
}

resource "google_storage_bucket_iam_member" "objects" {
  bucket = var.bucket_name
  role   = "roles/storage.objectUser"
  member = google_service_account.workload.member
}

resource "google_secret_manager_secret_iam_member" "read" {
  for_each  = toset(var.secret_ids)
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.workload.member
}

# Cloud SQL grants exist only on the project; the condition narrows them to the one instance.
resource "google_project_iam_member" "database" {
  for_each = var.database_instance == "" ? toset([]) : toset(["roles/cloudsql.client", "roles/cloudsql.instanceUser"])
  project  = var.project_id
  role     = each.value
  member   = google_service_account.workload.member

  condition {
    title      = "only-${var.database_instance}"
    expression = "resource.name == \"projects/${var.project_id}/instances/${var.database_instance}\" && resource.service == \"sqladmin.googleapis.com\""
  }
}

output "email" {
  value = google_service_account.workload.email
}
