//! The `HelmRelease` API (`helm.fluxcd.io/v1`): spec, status and the generated CRD.
//!
//! Field-compatible with the Flux Helm Operator v1 so existing manifests apply unchanged.
//! `spec` owns the spec types and defaulting helpers, `status` the status shapes and
//! condition helpers, `crd` the CRD printed from the types.

pub mod crd;
pub mod spec;
pub mod status;

pub use crd::{crd, crd_yaml, CRD_PATH};
pub use spec::{
    ChartFileSelector, ChartRef, ChartSource, ChartSourceError, ExternalSourceSelector,
    HelmRelease, HelmReleaseSpec, HelmVersion, KeySelector, LocalObjectReference, ObjectReference,
    Rollback, Test, ValuesFromSource,
};
pub use status::{
    ConditionStatus, ConditionType, HelmReleaseCondition, HelmReleaseStatus, Phase, ReleaseSnapshot,
};
