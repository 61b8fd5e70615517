//! Helm chart rendering identical to Helm v4.
