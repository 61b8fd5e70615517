//! The template function table: Sprig v3 (Helm's `TxtFuncMap` minus `env`/`expandenv`) and
//! Helm's own functions. One file per family; this file only assembles them.
//!
//! Non-deterministic functions (`now`, `rand*`, `uuidv4`, `genCA`, `shuffle`, ...) are listed in
//! [`NONDETERMINISTIC`] so tests know not to compare their output.

use gotemplate::FuncMap;

pub mod cast;
pub mod conversion;
pub mod crypto;
pub mod dates;
pub mod defaults;
pub mod dicts;
pub mod encoding;
pub mod lists;
pub mod math;
pub mod paths;
pub mod primes;
pub mod random;
pub mod regex;
pub mod semver;
pub mod serialization;
pub mod strings;

/// Functions whose output depends on the clock or a random source.
pub const NONDETERMINISTIC: &[&str] = &[
    "now",
    "ago",
    "date",
    "dateInZone",
    "date_in_zone",
    "htmlDate",
    "htmlDateInZone",
    "randAlpha",
    "randAlphaNum",
    "randAscii",
    "randNumeric",
    "randBytes",
    "randInt",
    "uuidv4",
    "shuffle",
    "genPrivateKey",
    "genCA",
    "genCAWithKey",
    "genSelfSignedCert",
    "genSelfSignedCertWithKey",
    "genSignedCert",
    "genSignedCertWithKey",
    "bcrypt",
    "htpasswd",
    "encryptAES",
];

/// Every Sprig function Helm exposes, plus Helm's serialization functions (`toYaml`, ...).
/// Helm's render-bound functions (`include`, `tpl`, `required`, `fail`, `lookup`) are added by
/// the engine.
pub fn sprig_funcs() -> FuncMap {
    let mut m = FuncMap::new();
    strings::register(&mut m);
    conversion::register(&mut m);
    math::register(&mut m);
    lists::register(&mut m);
    dicts::register(&mut m);
    defaults::register(&mut m);
    paths::register(&mut m);
    encoding::register(&mut m);
    regex::register(&mut m);
    semver::register(&mut m);
    dates::register(&mut m);
    crypto::register(&mut m);
    random::register(&mut m);
    serialization::register(&mut m);
    m
}
