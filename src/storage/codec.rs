//! Helm's release encoding (`pkg/storage/driver/util.go`: `encodeRelease`/`decodeRelease`).
//!
//! A stored release is `base64(gzip(json.Marshal(release)))` with standard padded base64 and
//! gzip at best compression (header `1f 8b 08 00 00000000 02 ff`, as Go writes it). The
//! Secret's `data.release` holds those base64 bytes, so through the API they are base64
//! again. Decoding accepts plain JSON as well (no gzip magic), like Helm.

use std::io::{Read, Write};

use base64::Engine as _;
use flate2::{Compression, GzBuilder};

use super::gojson::{self, DepthError};
use super::release::Release;

/// Bound on a decompressed release: etcd caps objects at ~1.5 MiB compressed, and the
/// largest releases seen in the wild decompress to well under this.
pub const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;

const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];

/// `CodecError` says which step of encoding or decoding failed.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The release could not be turned into JSON.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// A free-form value nests too deeply.
    #[error(transparent)]
    Depth(#[from] DepthError),
    /// The stored text is not base64.
    #[error("illegal base64 data: {0}")]
    Base64(#[from] base64::DecodeError),
    /// Gzip compression or decompression failed.
    #[error("gzip: {0}")]
    Gzip(#[source] std::io::Error),
    /// The decompressed release exceeds `MAX_DECODED_BYTES`.
    #[error("release larger than {MAX_DECODED_BYTES} bytes when decompressed")]
    TooLarge,
}

/// `release_json` is `json.Marshal(release)` byte for byte.
///
/// Errors: `Json`, `Depth`.
pub fn release_json(rls: &Release) -> Result<String, CodecError> {
    let value = serde_json::to_value(rls)?;
    Ok(gojson::to_go_json(&value)?)
}

/// `encode_release` is Helm's `encodeRelease`: base64(gzip(json)).
///
/// Errors: `Json`, `Depth`, `Gzip`.
pub fn encode_release(rls: &Release) -> Result<String, CodecError> {
    let json = release_json(rls)?;
    let mut gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(Vec::new(), Compression::best());
    gz.write_all(json.as_bytes()).map_err(CodecError::Gzip)?;
    let compressed = gz.finish().map_err(CodecError::Gzip)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(compressed))
}

/// `decode_release` is Helm's `decodeRelease`: base64, gunzip when the magic is present,
/// then JSON. `labels` is left empty; drivers fill it from the stored object.
///
/// Errors: `Base64`, `Gzip`, `TooLarge`, `Json`.
pub fn decode_release(data: &str) -> Result<Release, CodecError> {
    let raw = base64::engine::general_purpose::STANDARD.decode(data.as_bytes())?;
    let json = decompress_if_gzip(raw)?;
    Ok(serde_json::from_slice(&json)?)
}

/// `decompress_if_gzip` gunzips `raw` if it starts with the gzip magic (`len > 3`, as Helm).
///
/// Errors: `Gzip`, `TooLarge`.
pub fn decompress_if_gzip(raw: Vec<u8>) -> Result<Vec<u8>, CodecError> {
    if raw.len() <= 3 || raw.get(0..3) != Some(&GZIP_MAGIC[..]) {
        return Ok(raw);
    }
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(raw.as_slice())
        .take(MAX_DECODED_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(CodecError::Gzip)?;
    if out.len() as u64 > MAX_DECODED_BYTES {
        return Err(CodecError::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::release::{Info, Status};
    use crate::storage::time::GoTime;

    fn sample() -> Release {
        let mut config = serde_json::Map::new();
        config.insert("z".into(), serde_json::json!(1));
        config.insert("a".into(), serde_json::json!("<x>"));
        Release {
            name: "demo".into(),
            info: Some(Info {
                first_deployed: GoTime::parse("2026-11-22T03:40:21.409069245Z").unwrap(),
                last_deployed: GoTime::parse("2026-11-22T03:40:21.409069245Z").unwrap(),
                status: Status::Deployed,
                description: "Install complete".into(),
                ..Info::default()
            }),
            config,
            version: 1,
            namespace: "default".into(),
            ..Release::default()
        }
    }

    #[test]
    fn json_has_go_order_and_escaping() {
        let j = release_json(&sample()).unwrap();
        assert_eq!(
            j,
            r#"{"name":"demo","info":{"first_deployed":"2026-11-22T03:40:21.409069245Z","last_deployed":"2026-11-22T03:40:21.409069245Z","description":"Install complete","status":"deployed"},"config":{"a":"\u003cx\u003e","z":1},"version":1,"namespace":"default"}"#
        );
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let r = sample();
        let enc = encode_release(&r).unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(enc.as_bytes())
            .unwrap();
        // Go's gzip header at BestCompression: no mtime, XFL=2, OS=255.
        assert_eq!(&raw[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
        let back = decode_release(&enc).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn decode_accepts_plain_json() {
        let j = release_json(&sample()).unwrap();
        let enc = base64::engine::general_purpose::STANDARD.encode(j.as_bytes());
        assert_eq!(decode_release(&enc).unwrap(), sample());
    }

    #[test]
    fn decode_errors_name_the_step() {
        assert!(matches!(decode_release("%%%"), Err(CodecError::Base64(_))));
        let bad_gz = base64::engine::general_purpose::STANDARD.encode([0x1f, 0x8b, 8, 1, 2]);
        assert!(matches!(decode_release(&bad_gz), Err(CodecError::Gzip(_))));
        let bad_json = base64::engine::general_purpose::STANDARD.encode(b"{nope");
        assert!(matches!(
            decode_release(&bad_json),
            Err(CodecError::Json(_))
        ));
    }
}
