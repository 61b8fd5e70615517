//! `helmrelease-operator` library: the `HelmRelease` API types (`api`) and Helm-compatible
//! release storage (`storage`). The binary in `src/main.rs` is glue over this crate.

pub mod api;
pub mod controller;
pub mod fetch;
pub mod source;
pub mod storage;
