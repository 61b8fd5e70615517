//! Conversions as spf13/cast does them (`toInt64`, `toFloat64`, `toString`), shared by the
//! Sprig families (being written).
