//! Sprig's crypto functions: `genPrivateKey`, the certificate generators (`genCA`,
//! `genSelfSignedCert`, `genSignedCert` and their `WithKey` forms, `buildCustomCert`) with the
//! `sprig.certificate` host object, `derivePassword`, `htpasswd`/`bcrypt`,
//! `encryptAES`/`decryptAES`, `uuidv4` and `randBytes`.
//!
//! Keys and certificates have the shapes Go's `crypto/x509` gives them (PKCS#1 RSA, SEC1 EC,
//! PKCS#8 Ed25519, Sprig's own DSA structure; X.509 v3 with Go's extension set), and error
//! texts are Sprig's. Go runtime panics that Sprig lets escape (`decryptAES` of short input,
//! `randBytes -1`) come back as Go's panic messages.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use der::asn1::{
    Any as DerAny, BitString, GeneralizedTime, Ia5String, OctetString, SetOfVec, UtcTime,
};
use der::oid::ObjectIdentifier;
use der::{Decode, Encode, Tag, Tagged};
use gotemplate::{ArgType, FieldLookup, FuncError, FuncMap, Object, Signature, Value};
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use rsa::pkcs1::{DecodeRsaPrivateKey, EncodeRsaPrivateKey};
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate};

use super::encoding::{arg_str, b64_decode, b64_encode, go_string};

const OID_CN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_SHA256_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.11");
const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_KP_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const OID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
const OID_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const OID_EXT_EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const OID_EXT_BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const OID_EXT_SKID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const OID_EXT_AKID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const OID_EXT_SAN: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

/// Registers this family's functions.
pub fn register(m: &mut FuncMap) {
    use ArgType::{Any as A, Int, List as L, String as S};
    m.add("genPrivateKey", Signature::fixed(&[S]), |_, a| {
        Ok(Value::from(generate_private_key(arg_str(a, 0))))
    });
    m.add("genCA", Signature::fixed(&[S, Int]), |_, a| {
        let key = PrivKey::Rsa(rsa_key(2048)?);
        Ok(gen_ca(arg_str(a, 0), int(a, 1), &key)?.into_value())
    });
    m.add("genCAWithKey", Signature::fixed(&[S, Int, S]), |_, a| {
        let key = parse_private_key_pem(arg_str(a, 2))
            .map_err(|e| FuncError::msg(format!("parsing private key: {e}")))?;
        Ok(gen_ca(arg_str(a, 0), int(a, 1), &key)?.into_value())
    });
    m.add(
        "genSelfSignedCert",
        Signature::fixed(&[S, L, L, Int]),
        |_, a| {
            let key = PrivKey::Rsa(rsa_key(2048)?);
            Ok(gen_self_signed(a, &key)?.into_value())
        },
    );
    m.add(
        "genSelfSignedCertWithKey",
        Signature::fixed(&[S, L, L, Int, S]),
        |_, a| {
            let key = parse_private_key_pem(arg_str(a, 4))
                .map_err(|e| FuncError::msg(format!("parsing private key: {e}")))?;
            Ok(gen_self_signed(a, &key)?.into_value())
        },
    );
    m.add(
        "genSignedCert",
        Signature::fixed(&[S, L, L, Int, A]),
        |_, a| {
            let ca = cert_arg(a.get(4))?;
            let key = PrivKey::Rsa(rsa_key(2048)?);
            Ok(gen_signed(a, &ca, &key)?.into_value())
        },
    );
    m.add(
        "genSignedCertWithKey",
        Signature::fixed(&[S, L, L, Int, A, S]),
        |_, a| {
            let ca = cert_arg(a.get(4))?;
            let key = parse_private_key_pem(arg_str(a, 5))
                .map_err(|e| FuncError::msg(format!("parsing private key: {e}")))?;
            Ok(gen_signed(a, &ca, &key)?.into_value())
        },
    );
    m.add("buildCustomCert", Signature::fixed(&[S, S]), |_, a| {
        Ok(build_custom_cert(arg_str(a, 0), arg_str(a, 1))
            .map_err(FuncError::msg)?
            .into_value())
    });
    m.add(
        "derivePassword",
        Signature::fixed(&[Int, S, S, S, S]),
        |_, a| {
            // Go converts the int argument to the uint32 parameter.
            let counter = int(a, 0) as u32;
            Ok(Value::from(derive_password(
                counter,
                arg_str(a, 1),
                arg_str(a, 2),
                arg_str(a, 3),
                arg_str(a, 4),
            )))
        },
    );
    m.add("bcrypt", Signature::fixed(&[S]), |_, a| {
        Ok(Value::from(bcrypt_hash(arg_str(a, 0))))
    });
    m.add("htpasswd", Signature::fixed(&[S, S]), |_, a| {
        let user = arg_str(a, 0);
        if user.contains(':') {
            return Ok(Value::from(format!("invalid username: {user}")));
        }
        Ok(Value::from(format!(
            "{user}:{}",
            bcrypt_hash(arg_str(a, 1))
        )))
    });
    m.add("encryptAES", Signature::fixed(&[S, S]), |_, a| {
        Ok(Value::from(encrypt_aes(arg_str(a, 0), arg_str(a, 1))))
    });
    m.add("decryptAES", Signature::fixed(&[S, S]), |_, a| {
        Ok(Value::from(
            decrypt_aes(arg_str(a, 0), arg_str(a, 1)).map_err(FuncError::msg)?,
        ))
    });
    m.add("uuidv4", Signature::fixed(&[]), |_, _| {
        Ok(Value::from(uuid_v4()))
    });
    m.add("randBytes", Signature::fixed(&[Int]), |_, a| {
        let n = usize::try_from(int(a, 0))
            .map_err(|_| FuncError::msg("runtime error: makeslice: len out of range"))?;
        if n > 1 << 30 {
            return Err(FuncError::msg("runtime error: makeslice: len out of range"));
        }
        let mut buf = vec![0u8; n];
        OsRng.fill_bytes(&mut buf);
        Ok(Value::from(b64_encode(&buf)))
    });
}

fn int(args: &[Value], i: usize) -> i64 {
    match args.get(i) {
        Some(Value::Int(n) | Value::Int64(n)) => *n,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// PEM

/// Go's `pem.EncodeToMemory` for a block without headers.
pub fn pem_encode(typ: &str, der: &[u8]) -> String {
    let b64 = b64_encode(der);
    let mut out = format!("-----BEGIN {typ}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {typ}-----\n"));
    out
}

/// The first PEM block in `data` (Go's `pem.Decode`, without header support beyond skipping
/// `Key: value` lines): its type and bytes.
pub fn pem_decode(data: &str) -> Option<(String, Vec<u8>)> {
    let mut rest = data;
    loop {
        rest = if let Some(r) = rest.strip_prefix("-----BEGIN ") {
            r
        } else {
            let i = rest.find("\n-----BEGIN ")?;
            &rest[i + "\n-----BEGIN ".len()..]
        };
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let line = line.trim_end_matches([' ', '\t', '\r']);
        let Some(typ) = line.strip_suffix("-----") else {
            rest = after;
            continue;
        };
        let mut body = after;
        // Skip RFC 1421 headers.
        while let Some((l, r)) = body.split_once('\n') {
            if l.contains(':') {
                body = r;
            } else {
                break;
            }
        }
        let end_marker = format!("-----END {typ}-----");
        let (b64, tail) = if let Some(r) = body.strip_prefix(&end_marker) {
            ("", r)
        } else if let Some(i) = body.find(&format!("\n{end_marker}")) {
            (&body[..i], &body[i + 1 + end_marker.len()..])
        } else {
            rest = after;
            continue;
        };
        let trailing_ok = tail
            .split('\n')
            .next()
            .is_some_and(|l| l.trim_matches([' ', '\t', '\r']).is_empty());
        let cleaned: Vec<u8> = b64
            .bytes()
            .filter(|c| !matches!(c, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        match b64_decode(&cleaned) {
            Ok(bytes) if trailing_ok => return Some((typ.to_string(), bytes)),
            _ => rest = after,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Keys

/// A private key of one of the kinds Sprig handles.
enum PrivKey {
    Rsa(rsa::RsaPrivateKey),
    Ec(p256::SecretKey),
    Ed(ed25519_dalek::SigningKey),
    /// Sprig's DSA structure, kept as DER (Go can neither sign nor certify with it here).
    Dsa(Vec<u8>),
}

fn rsa_key(bits: usize) -> Result<rsa::RsaPrivateKey, FuncError> {
    generate_rsa(bits).map_err(|e| FuncError::msg(format!("error generating rsa key: {e}")))
}

/// An RSA key with a `bits`-bit modulus (2048 or 4096) and exponent 65537, as Go's
/// `rsa.GenerateKey` makes it: two random primes of half the size with their top two bits set,
/// `d = e^-1 mod lcm(p - 1, q - 1)`. The prime search is [`super::primes`].
fn generate_rsa(bits: usize) -> Result<rsa::RsaPrivateKey, String> {
    // The pair is two distinct primes (see `random_prime_pair`).
    let (p, q) = super::primes::random_prime_pair(bits / 2)?;
    let p = rsa::BigUint::from_bytes_be(&p);
    let q = rsa::BigUint::from_bytes_be(&q);
    rsa::RsaPrivateKey::from_p_q(p, q, rsa::BigUint::from(65_537u32)).map_err(|e| e.to_string())
}

/// Sprig's `pemBlockForKey` rendered as PEM text.
fn key_pem(key: &PrivKey) -> Result<String, String> {
    Ok(match key {
        PrivKey::Rsa(k) => {
            let der = k.to_pkcs1_der().map_err(|e| e.to_string())?;
            pem_encode("RSA PRIVATE KEY", der.as_bytes())
        }
        PrivKey::Ec(k) => {
            // Go's MarshalECPrivateKey: version 1, the scalar, the curve OID and the
            // uncompressed public point (fixed sizes for P-256).
            use p256::elliptic_curve::sec1::ToEncodedPoint;
            let mut der = vec![0x30, 0x77, 0x02, 0x01, 0x01, 0x04, 0x20];
            der.extend_from_slice(&k.to_bytes());
            der.extend_from_slice(&[
                0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0xa1, 0x44,
                0x03, 0x42, 0x00,
            ]);
            der.extend_from_slice(k.public_key().to_encoded_point(false).as_bytes());
            pem_encode("EC PRIVATE KEY", &der)
        }
        PrivKey::Ed(k) => {
            // Go's MarshalPKCS8PrivateKey: version 0, Ed25519 OID, the seed in an OCTET STRING.
            let mut der = vec![
                0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
                0x04, 0x20,
            ];
            der.extend_from_slice(&k.to_bytes());
            pem_encode("PRIVATE KEY", &der)
        }
        PrivKey::Dsa(der) => pem_encode("DSA PRIVATE KEY", der),
    })
}

fn generate_private_key(typ: &str) -> String {
    let key = match typ {
        "" | "rsa" => match generate_rsa(4096) {
            Ok(k) => PrivKey::Rsa(k),
            Err(e) => return format!("failed to generate private key: {e}"),
        },
        "dsa" => match generate_dsa() {
            Ok(der) => PrivKey::Dsa(der),
            Err(e) => return format!("failed to generate dsa params: {e}"),
        },
        "ecdsa" => PrivKey::Ec(p256::SecretKey::random(&mut OsRng)),
        "ed25519" => PrivKey::Ed(ed25519_dalek::SigningKey::generate(&mut OsRng)),
        _ => return format!("Unknown type {typ}"),
    };
    key_pem(&key).unwrap_or_default()
}

/// DSA L2048N256 key in Sprig's `DSAKeyFormat` (SEQUENCE of version, P, Q, G, Y, X).
fn generate_dsa() -> Result<Vec<u8>, String> {
    let components = dsa::Components::generate(&mut OsRng, dsa::KeySize::DSA_2048_256);
    let key = dsa::SigningKey::generate(&mut OsRng, components);
    let vk = key.verifying_key();
    let c = vk.components();
    let ints = [
        c.p().to_bytes_be(),
        c.q().to_bytes_be(),
        c.g().to_bytes_be(),
        vk.y().to_bytes_be(),
        key.x().to_bytes_be(),
    ];
    let mut body = der::asn1::Int::new(&[0])
        .and_then(|i| i.to_der())
        .map_err(|e| e.to_string())?;
    for b in ints {
        let u = der::asn1::Uint::new(&b).map_err(|e| e.to_string())?;
        body.extend(u.to_der().map_err(|e| e.to_string())?);
    }
    der_wrap(0x30, &body)
}

/// A DER TLV with the given tag byte around `body`.
fn der_wrap(tag: u8, body: &[u8]) -> Result<Vec<u8>, String> {
    let len = der::Length::try_from(body.len()).map_err(|e| e.to_string())?;
    let mut out = vec![tag];
    out.extend(len.to_der().map_err(|e| e.to_string())?);
    out.extend_from_slice(body);
    Ok(out)
}

/// Sprig's `parsePrivateKeyPEM`.
fn parse_private_key_pem(text: &str) -> Result<PrivKey, String> {
    let (typ, der) = pem_decode(text).ok_or("no PEM data in input")?;
    if typ == "PRIVATE KEY" {
        return parse_pkcs8(&der).map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
    }
    let Some(kind) = typ.strip_suffix(" PRIVATE KEY") else {
        return Err(format!("no private key data in PEM block of type {typ}"));
    };
    match kind {
        "RSA" => rsa::RsaPrivateKey::from_pkcs1_der(&der)
            .map(PrivKey::Rsa)
            .map_err(|_| {
                "parsing RSA private key from PEM: x509: failed to parse private key".to_string()
            }),
        "EC" => p256::SecretKey::from_sec1_der(&der)
            .map(PrivKey::Ec)
            .map_err(|_| {
                "parsing EC private key from PEM: x509: failed to parse EC private key".to_string()
            }),
        "DSA" => {
            let ok = der.first() == Some(&0x30)
                && der::asn1::AnyRef::from_der(&der).is_ok_and(|a| a.tag() == Tag::Sequence);
            if ok {
                Ok(PrivKey::Dsa(der))
            } else {
                Err("parsing DSA private key from PEM: asn1: structure error".to_string())
            }
        }
        _ => Err(format!("invalid private key type {typ}")),
    }
}

fn parse_pkcs8(der: &[u8]) -> Result<PrivKey, String> {
    let info = rsa::pkcs8::PrivateKeyInfo::try_from(der)
        .map_err(|e| format!("asn1: structure error: {e}"))?;
    let oid = info.algorithm.oid;
    if oid == OID_RSA {
        rsa::RsaPrivateKey::from_pkcs8_der(der)
            .map(PrivKey::Rsa)
            .map_err(|e| format!("x509: failed to parse RSA private key embedded in PKCS#8: {e}"))
    } else if oid == OID_EC_PUBLIC_KEY {
        p256::SecretKey::from_pkcs8_der(der)
            .map(PrivKey::Ec)
            .map_err(|e| format!("x509: failed to parse EC private key embedded in PKCS#8: {e}"))
    } else if oid == OID_ED25519 {
        ed25519_dalek::SigningKey::from_pkcs8_der(der)
            .map(PrivKey::Ed)
            .map_err(|e| format!("x509: invalid Ed25519 private key: {e}"))
    } else {
        Err(format!(
            "x509: PKCS#8 wrapping contained private key with unknown algorithm: {oid}"
        ))
    }
}

/// The signee's SubjectPublicKeyInfo (Go's `marshalPublicKey`).
fn public_key_info(key: &PrivKey) -> Result<SubjectPublicKeyInfoOwned, String> {
    let der = match key {
        PrivKey::Rsa(k) => k.to_public_key().to_public_key_der(),
        PrivKey::Ec(k) => k.public_key().to_public_key_der(),
        PrivKey::Ed(k) => k.verifying_key().to_public_key_der(),
        PrivKey::Dsa(_) => return Err("x509: unsupported public key type: *dsa.PublicKey".into()),
    }
    .map_err(|e| e.to_string())?;
    SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(|e| e.to_string())
}

fn signature_algorithm(key: &PrivKey) -> Result<AlgorithmIdentifierOwned, String> {
    Ok(match key {
        PrivKey::Rsa(_) => AlgorithmIdentifierOwned {
            oid: OID_SHA256_RSA,
            parameters: Some(DerAny::from(der::asn1::Null)),
        },
        PrivKey::Ec(_) => AlgorithmIdentifierOwned {
            oid: OID_ECDSA_SHA256,
            parameters: None,
        },
        PrivKey::Ed(_) => AlgorithmIdentifierOwned {
            oid: OID_ED25519,
            parameters: None,
        },
        PrivKey::Dsa(_) => {
            return Err("x509: certificate private key does not implement crypto.Signer".into())
        }
    })
}

fn sign(key: &PrivKey, msg: &[u8]) -> Result<Vec<u8>, String> {
    use rsa::signature::{SignatureEncoding, Signer};
    Ok(match key {
        PrivKey::Rsa(k) => {
            let signer = rsa::pkcs1v15::SigningKey::<Sha256>::new(k.clone());
            signer.try_sign(msg).map_err(|e| e.to_string())?.to_vec()
        }
        PrivKey::Ec(k) => {
            let signer = p256::ecdsa::SigningKey::from(k);
            let sig: p256::ecdsa::Signature = signer.try_sign(msg).map_err(|e| e.to_string())?;
            sig.to_der().as_bytes().to_vec()
        }
        PrivKey::Ed(k) => ed25519_dalek::Signer::sign(k, msg).to_bytes().to_vec(),
        PrivKey::Dsa(_) => {
            return Err("x509: certificate private key does not implement crypto.Signer".into())
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Certificates

/// Sprig's `certificate` struct.
#[derive(Clone, Debug)]
pub struct CertObject {
    cert: String,
    key: String,
}

impl CertObject {
    fn into_value(self) -> Value {
        Value::Object(Arc::new(self))
    }
}

impl Object for CertObject {
    fn type_name(&self) -> String {
        "sprig.certificate".into()
    }

    fn field(&self, name: &str) -> FieldLookup {
        match name {
            "Cert" => FieldLookup::Found(Value::from(self.cert.as_str())),
            "Key" => FieldLookup::Found(Value::from(self.key.as_str())),
            _ => FieldLookup::NoField,
        }
    }

    fn format_v(&self) -> String {
        format!("{{{} {}}}", self.cert, self.key)
    }

    fn equals(&self, other: &dyn Object) -> Option<bool> {
        other
            .as_any()
            .downcast_ref::<CertObject>()
            .map(|o| o.cert == self.cert && o.key == self.key)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }
}

fn cert_arg(v: Option<&Value>) -> Result<CertObject, FuncError> {
    match v {
        Some(Value::Object(o)) => o.as_any().downcast_ref::<CertObject>().cloned(),
        _ => None,
    }
    .ok_or_else(|| {
        FuncError::msg(format!(
            "wrong type for value; expected sprig.certificate; got {}",
            v.map_or("<nil>".to_string(), Value::type_name)
        ))
    })
}

/// What `getBaseCertTemplate` plus the CA overrides describe.
struct Template {
    cn: String,
    ips: Vec<Vec<u8>>,
    dns: Vec<String>,
    days: i64,
    is_ca: bool,
}

fn list_items(v: Option<&Value>) -> Vec<Value> {
    match v {
        Some(Value::List(l)) => l.to_vec(),
        _ => Vec::new(),
    }
}

fn base_template(args: &[Value]) -> Result<Template, FuncError> {
    let mut ips = Vec::new();
    for ip in list_items(args.get(1)) {
        let Some(s) = ip.as_str() else {
            return Err(FuncError::msg(format!(
                "error parsing ip: {} is not a string",
                gotemplate::fmt::format_value(&ip)
            )));
        };
        let parsed: std::net::IpAddr = s
            .parse()
            .map_err(|_| FuncError::msg(format!("error parsing ip: {s}")))?;
        ips.push(match parsed {
            std::net::IpAddr::V4(v4) => v4.octets().to_vec(),
            std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => v4.octets().to_vec(),
                None => v6.octets().to_vec(),
            },
        });
    }
    let mut dns = Vec::new();
    for d in list_items(args.get(2)) {
        let Some(s) = d.as_str() else {
            return Err(FuncError::msg(format!(
                "error processing alternate dns name: {} is not a string",
                gotemplate::fmt::format_value(&d)
            )));
        };
        dns.push(s.to_string());
    }
    Ok(Template {
        cn: arg_str(args, 0).to_string(),
        ips,
        dns,
        days: int(args, 3),
        is_ca: false,
    })
}

fn gen_ca(cn: &str, days: i64, key: &PrivKey) -> Result<CertObject, FuncError> {
    let t = Template {
        cn: cn.to_string(),
        ips: Vec::new(),
        dns: Vec::new(),
        days,
        is_ca: true,
    };
    cert_and_key(&t, key, None, key)
}

fn gen_self_signed(args: &[Value], key: &PrivKey) -> Result<CertObject, FuncError> {
    let t = base_template(args)?;
    cert_and_key(&t, key, None, key)
}

fn gen_signed(args: &[Value], ca: &CertObject, key: &PrivKey) -> Result<CertObject, FuncError> {
    let (_, der) =
        pem_decode(&ca.cert).ok_or_else(|| FuncError::msg("unable to decode certificate"))?;
    let parent = Certificate::from_der(&der).map_err(|e| {
        FuncError::msg(format!(
            "error parsing certificate: decodedSignerCert.Bytes: x509: malformed certificate: {e}"
        ))
    })?;
    let signer = parse_private_key_pem(&ca.key)
        .map_err(|e| FuncError::msg(format!("error parsing private key: {e}")))?;
    let t = base_template(args)?;
    cert_and_key(&t, key, Some(&parent), &signer)
}

fn common_name(cn: &str) -> Result<Name, String> {
    if cn.is_empty() {
        return Ok(RdnSequence(Vec::new()));
    }
    // Go's asn1 picks PrintableString when every byte allows it, else UTF8String.
    let printable = cn
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b" '()+,-./:=?*".contains(&c));
    let tag = if printable {
        Tag::PrintableString
    } else {
        Tag::Utf8String
    };
    let value = DerAny::new(tag, cn.as_bytes()).map_err(|e| e.to_string())?;
    let atv = AttributeTypeAndValue { oid: OID_CN, value };
    let rdn = RelativeDistinguishedName(SetOfVec::try_from(vec![atv]).map_err(|e| e.to_string())?);
    Ok(RdnSequence(vec![rdn]))
}

/// X.509 time as Go encodes it: UTCTime for 1950..2049, GeneralizedTime otherwise.
fn x509_time(unix: i64) -> Result<Time, String> {
    let secs = u64::try_from(unix).map_err(|_| "x509: invalid certificate time".to_string())?;
    let d = Duration::from_secs(secs);
    if unix < 2_524_608_000 {
        UtcTime::from_unix_duration(d)
            .map(Time::UtcTime)
            .map_err(|e| e.to_string())
    } else {
        GeneralizedTime::from_unix_duration(d)
            .map(Time::GeneralTime)
            .map_err(|e| e.to_string())
    }
}

fn extension(
    oid: ObjectIdentifier,
    critical: bool,
    value: &impl Encode,
) -> Result<Extension, String> {
    let bytes = value.to_der().map_err(|e| e.to_string())?;
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(bytes).map_err(|e| e.to_string())?,
    })
}

fn subject_key_id(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    Sha1::digest(spki.subject_public_key.raw_bytes()).to_vec()
}

fn parent_subject_key_id(parent: &Certificate) -> Option<Vec<u8>> {
    let exts = parent.tbs_certificate.extensions.as_ref()?;
    let ext = exts.iter().find(|e| e.extn_id == OID_EXT_SKID)?;
    let skid = SubjectKeyIdentifier::from_der(ext.extn_value.as_bytes()).ok()?;
    Some(skid.0.as_bytes().to_vec())
}

/// Sprig's `getCertAndKey`: Go's `x509.CreateCertificate` then PEM for both halves.
fn cert_and_key(
    t: &Template,
    signee: &PrivKey,
    parent: Option<&Certificate>,
    signer: &PrivKey,
) -> Result<CertObject, FuncError> {
    build_certificate(t, signee, parent, signer)
        .map_err(|e| FuncError::msg(format!("error creating certificate: {e}")))
}

fn build_certificate(
    t: &Template,
    signee: &PrivKey,
    parent: Option<&Certificate>,
    signer: &PrivKey,
) -> Result<CertObject, String> {
    let sig_alg = signature_algorithm(signer)?;
    let spki = public_key_info(signee)?;
    let subject = common_name(&t.cn)?;
    let issuer = match parent {
        Some(p) => p.tbs_certificate.subject.clone(),
        None => subject.clone(),
    };
    let mut serial = [0u8; 16];
    OsRng.fill_bytes(&mut serial);
    let mut serial: Vec<u8> = serial.iter().copied().skip_while(|b| *b == 0).collect();
    if serial.is_empty() {
        serial.push(0);
    }
    if serial.first().is_some_and(|b| b & 0x80 != 0) {
        serial.insert(0, 0);
    }
    let serial_number = SerialNumber::new(&serial).map_err(|e| e.to_string())?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs() as i64;
    let not_after = now.saturating_add(t.days.saturating_mul(86_400));
    let validity = Validity {
        not_before: x509_time(now)?,
        not_after: x509_time(not_after)?,
    };

    let mut usages = KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment;
    if t.is_ca {
        usages |= KeyUsages::KeyCertSign;
    }
    let mut exts = vec![
        extension(OID_EXT_KEY_USAGE, true, &KeyUsage(usages))?,
        extension(
            OID_EXT_EXT_KEY_USAGE,
            false,
            &ExtendedKeyUsage(vec![OID_KP_SERVER_AUTH, OID_KP_CLIENT_AUTH]),
        )?,
        extension(
            OID_EXT_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: t.is_ca,
                path_len_constraint: None,
            },
        )?,
    ];
    if t.is_ca {
        let skid = OctetString::new(subject_key_id(&spki)).map_err(|e| e.to_string())?;
        exts.push(extension(OID_EXT_SKID, false, &SubjectKeyIdentifier(skid))?);
    }
    if let Some(p) = parent {
        let self_issued = p.tbs_certificate.subject == subject;
        if let Some(akid) = parent_subject_key_id(p).filter(|_| !self_issued) {
            let aki = AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(akid).map_err(|e| e.to_string())?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            };
            exts.push(extension(OID_EXT_AKID, false, &aki)?);
        }
    }
    if !t.dns.is_empty() || !t.ips.is_empty() {
        let mut names = Vec::new();
        for d in &t.dns {
            names.push(GeneralName::DnsName(Ia5String::new(d).map_err(|_| {
                format!("x509: {d:?} cannot be encoded as an IA5String")
            })?));
        }
        for ip in &t.ips {
            names.push(GeneralName::IpAddress(
                OctetString::new(ip.clone()).map_err(|e| e.to_string())?,
            ));
        }
        // Go marks the SAN critical when the subject is empty.
        exts.push(extension(
            OID_EXT_SAN,
            t.cn.is_empty(),
            &SubjectAltName(names),
        )?);
    }

    let tbs = TbsCertificate {
        version: x509_cert::Version::V3,
        serial_number,
        signature: sig_alg.clone(),
        issuer,
        validity,
        subject,
        subject_public_key_info: spki,
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(exts),
    };
    let tbs_der = tbs.to_der().map_err(|e| e.to_string())?;
    let signature = sign(signer, &tbs_der)?;
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: sig_alg,
        signature: BitString::from_bytes(&signature).map_err(|e| e.to_string())?,
    };
    let der = cert.to_der().map_err(|e| e.to_string())?;
    Ok(CertObject {
        cert: pem_encode("CERTIFICATE", &der),
        key: key_pem(signee).map_err(|e| format!("error pem-encoding key: {e}"))?,
    })
}

/// Sprig's `buildCustomCertificate`: validates and returns the decoded PEM texts.
fn build_custom_cert(b64cert: &str, b64key: &str) -> Result<CertObject, String> {
    let cert = b64_decode(b64cert.as_bytes())
        .map_err(|_| "unable to decode base64 certificate".to_string())?;
    let key = b64_decode(b64key.as_bytes())
        .map_err(|_| "unable to decode base64 private key".to_string())?;
    let cert = go_string(cert);
    let key = go_string(key);
    let (_, der) = pem_decode(&cert).ok_or("unable to decode certificate")?;
    Certificate::from_der(&der).map_err(|e| {
        format!("error parsing certificate: decodedCert.Bytes: x509: malformed certificate: {e}")
    })?;
    parse_private_key_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(CertObject { cert, key })
}

// ---------------------------------------------------------------------------------------------
// Passwords and symmetric encryption

const PASSWORD_TEMPLATES: &[(&str, &[&str])] = &[
    ("maximum", &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"]),
    (
        "long",
        &[
            "CvcvnoCvcvCvcv",
            "CvcvCvcvnoCvcv",
            "CvcvCvcvCvcvno",
            "CvccnoCvcvCvcv",
            "CvccCvcvnoCvcv",
            "CvccCvcvCvcvno",
            "CvcvnoCvccCvcv",
            "CvcvCvccnoCvcv",
            "CvcvCvccCvcvno",
            "CvcvnoCvcvCvcc",
            "CvcvCvcvnoCvcc",
            "CvcvCvcvCvccno",
            "CvccnoCvccCvcv",
            "CvccCvccnoCvcv",
            "CvccCvccCvcvno",
            "CvcvnoCvccCvcc",
            "CvcvCvccnoCvcc",
            "CvcvCvccCvccno",
            "CvccnoCvcvCvcc",
            "CvccCvcvnoCvcc",
            "CvccCvcvCvccno",
        ],
    ),
    ("medium", &["CvcnoCvc", "CvcCvcno"]),
    ("short", &["Cvcn"]),
    ("basic", &["aaanaaan", "aannaaan", "aaannaaa"]),
    ("pin", &["nnnn"]),
];

fn template_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        b'x' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
        _ => b"",
    }
}

/// Sprig's `derivePassword` (the Master Password algorithm: scrypt key, HMAC-SHA256 seed).
pub fn derive_password(counter: u32, kind: &str, password: &str, user: &str, site: &str) -> String {
    const SEED: &str = "com.lyndir.masterpassword";
    let Some((_, templates)) = PASSWORD_TEMPLATES.iter().find(|(k, _)| *k == kind) else {
        return format!("cannot find password template {kind}");
    };
    let mut salt = SEED.as_bytes().to_vec();
    salt.extend_from_slice(&(user.len() as u32).to_be_bytes());
    salt.extend_from_slice(user.as_bytes());
    let mut key = [0u8; 64];
    let derived = scrypt::Params::new(15, 8, 2, 64)
        .map_err(|e| e.to_string())
        .and_then(|p| {
            scrypt::scrypt(password.as_bytes(), &salt, &p, &mut key).map_err(|e| e.to_string())
        });
    if let Err(e) = derived {
        return format!("failed to derive password: {e}");
    }
    let mut msg = SEED.as_bytes().to_vec();
    msg.extend_from_slice(&(site.len() as u32).to_be_bytes());
    msg.extend_from_slice(site.as_bytes());
    msg.extend_from_slice(&counter.to_be_bytes());
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return "failed to derive password: bad key".into();
    };
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let first = usize::from(seed.first().copied().unwrap_or(0));
    let Some(temp) = templates.get(first % templates.len().max(1)) else {
        return String::new();
    };
    let mut out = String::new();
    for (i, c) in temp.bytes().enumerate() {
        let chars = template_chars(c);
        let s = usize::from(seed.get(i + 1).copied().unwrap_or(0));
        if let Some(&ch) = chars.get(s % chars.len().max(1)) {
            out.push(char::from(ch));
        }
    }
    out
}

/// Sprig's `bcrypt`: cost 10, `$2a$` prefix, Go's error for passwords over 72 bytes.
fn bcrypt_hash(input: &str) -> String {
    if input.len() > 72 {
        return "failed to encrypt string with bcrypt: bcrypt: password length exceeds 72 bytes"
            .into();
    }
    match bcrypt::hash_with_result(input, 10) {
        Ok(parts) => parts.format_for_version(bcrypt::Version::TwoA),
        Err(e) => format!("failed to encrypt string with bcrypt: {e}"),
    }
}

fn aes_key(password: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    let n = password.len().min(32);
    key[..n].copy_from_slice(&password.as_bytes()[..n]);
    key
}

/// Sprig's `encryptAES`: AES-256-CBC, zero-padded key, PKCS#7 padding, random IV prefix.
pub fn encrypt_aes(password: &str, plaintext: &str) -> String {
    if plaintext.is_empty() {
        return String::new();
    }
    let key = aes_key(password);
    let mut content = plaintext.as_bytes().to_vec();
    let padding = 16 - content.len() % 16;
    content.extend(std::iter::repeat_n(padding as u8, padding));
    let mut iv = [0u8; 16];
    OsRng.fill_bytes(&mut iv);
    let mut enc = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into());
    for block in content.chunks_exact_mut(16) {
        enc.encrypt_block_mut(block.into());
    }
    let mut out = iv.to_vec();
    out.extend(content);
    b64_encode(&out)
}

/// Sprig's `decryptAES`, including the Go runtime panics it lets through.
pub fn decrypt_aes(password: &str, crypt64: &str) -> Result<String, String> {
    if crypt64.is_empty() {
        return Ok(String::new());
    }
    let key = aes_key(password);
    let crypt = b64_decode(crypt64.as_bytes())
        .map_err(|off| format!("illegal base64 data at input byte {off}"))?;
    if crypt.len() < 16 {
        // Go's DecodeString buffer has capacity DecodedLen(len(s)).
        return Err(format!(
            "runtime error: slice bounds out of range [:16] with capacity {}",
            crypt64.len() / 4 * 3
        ));
    }
    let (iv, body) = crypt.split_at(16);
    if body.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let mut data = body.to_vec();
    let mut iv_arr = [0u8; 16];
    iv_arr.copy_from_slice(iv);
    let mut dec = cbc::Decryptor::<aes::Aes256>::new(&key.into(), &iv_arr.into());
    for block in data.chunks_exact_mut(16) {
        dec.decrypt_block_mut(block.into());
    }
    let Some(&last) = data.last() else {
        return Err("runtime error: index out of range [-1]".into());
    };
    let end = data.len() as i64 - i64::from(last);
    if end < 0 {
        return Err(format!("runtime error: slice bounds out of range [:{end}]"));
    }
    data.truncate(end as usize);
    Ok(go_string(data))
}

/// A random (version 4) UUID in canonical form.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = super::encoding::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const EC_KEY: &str = "-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIJMDjMrcRCgrb7NiKLow1d9/QGMrMdFiFT/pUk96S8qtoAoGCCqGSM49
AwEHoUQDQgAEDmsT8AyUN+BMpFVfKrBkVFocYxbr822eYmzI8Wm4xrJoduyopZqS
dGTYlFi0Qs7Mu8EiyL8m2hfg+rL6NVwh1g==
-----END EC PRIVATE KEY-----
";
    const ED_KEY: &str = "-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIIMNCQVj/937LIHPY/r9ZgAYjIY9j1En9cIrqZb5KHhx
-----END PRIVATE KEY-----
";

    #[test]
    fn keys_round_trip_byte_exact() {
        let ec = parse_private_key_pem(EC_KEY).unwrap();
        assert_eq!(key_pem(&ec).unwrap(), EC_KEY);
        let ed = parse_private_key_pem(ED_KEY).unwrap();
        assert_eq!(key_pem(&ed).unwrap(), ED_KEY);
        assert_eq!(
            parse_private_key_pem("not a pem").err().unwrap(),
            "no PEM data in input"
        );
    }

    #[test]
    fn certificates_parse_back() {
        let ec = parse_private_key_pem(EC_KEY).unwrap();
        let ca = gen_ca("my-ca", 10, &ec).unwrap();
        assert!(ca.cert.starts_with("-----BEGIN CERTIFICATE-----\n"));
        let (_, der) = pem_decode(&ca.cert).unwrap();
        let parsed = Certificate::from_der(&der).unwrap();
        assert!(parent_subject_key_id(&parsed).is_some());
        let ed = parse_private_key_pem(ED_KEY).unwrap();
        let args = [
            Value::from("leaf"),
            Value::List(gotemplate::List::new(vec![
                Value::from("10.0.0.1"),
                Value::from("::1"),
            ])),
            Value::List(gotemplate::List::new(vec![Value::from("a.example.com")])),
            Value::Int(5),
        ];
        let leaf = gen_signed(&args, &ca, &ed).unwrap();
        let (_, der) = pem_decode(&leaf.cert).unwrap();
        let parsed = Certificate::from_der(&der).unwrap();
        assert_eq!(parsed.tbs_certificate.issuer.to_string(), "CN=my-ca");
        assert_eq!(leaf.key, ED_KEY);
    }

    #[test]
    fn aes_round_trip_and_go_panics() {
        let c = encrypt_aes("k", "plain text ✓");
        assert_eq!(decrypt_aes("k", &c).unwrap(), "plain text ✓");
        assert_eq!(
            b64_decode(encrypt_aes("k", "abc").as_bytes())
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            decrypt_aes("k", "c2hvcnQ=").unwrap_err(),
            "runtime error: slice bounds out of range [:16] with capacity 6"
        );
        assert_eq!(
            decrypt_aes("wrong", "AAECAwQFBgcICQoLDA0OD3ekcw4lRkZoUy3H/eonFzY=").unwrap_err(),
            "runtime error: slice bounds out of range [:-48]"
        );
    }

    #[test]
    fn rsa_keys_are_valid() {
        let k = generate_rsa(2048).unwrap();
        assert_eq!(rsa::traits::PublicKeyParts::n(&k).bits(), 2048);
        k.validate().unwrap();
        use rsa::traits::PrivateKeyParts;
        // p * q = n and e * d = 1 (mod lcm(p - 1, q - 1)), checked with num-bigint.
        let [p, q] =
            [0, 1].map(|i| num_bigint::BigUint::from_bytes_be(&k.primes()[i].to_bytes_be()));
        let n =
            num_bigint::BigUint::from_bytes_be(&rsa::traits::PublicKeyParts::n(&k).to_bytes_be());
        let d = num_bigint::BigUint::from_bytes_be(&k.d().to_bytes_be());
        assert_eq!(&p * &q, n);
        let (p1, q1) = (&p - 1u32, &q - 1u32);
        let one = num_bigint::BigUint::from(1u32);
        assert_eq!(&d * 65_537u32 % &p1, one);
        assert_eq!(&d * 65_537u32 % &q1, one);
        // d is reduced modulo lcm(p - 1, q - 1), at most half of (p - 1)(q - 1).
        assert!(d < &p1 * &q1 / 2u32);
        // And it signs: the signature verifies with the public half.
        use rsa::signature::{Signer, Verifier};
        let sk = rsa::pkcs1v15::SigningKey::<Sha256>::new(k.clone());
        let sig = sk.sign(b"message");
        let vk = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(k.to_public_key());
        assert!(vk.verify(b"message", &sig).is_ok());
        assert!(vk.verify(b"other", &sig).is_err());
    }

    #[test]
    fn uuid_shape() {
        let u = uuid_v4();
        assert_eq!(u.len(), 36);
        assert_eq!(u.as_bytes()[14], b'4');
        assert!(matches!(u.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
    }

    #[test]
    fn derive_password_matches_sprig() {
        assert_eq!(
            derive_password(1, "long", "password", "user", "example.com"),
            "ZedaFaxcZaso9*"
        );
        assert_eq!(
            derive_password(1, "bogus", "p", "u", "s"),
            "cannot find password template bogus"
        );
    }
}
