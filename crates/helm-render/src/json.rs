//! Go encoding/json compatible JSON for toJson/fromJson (being written).
