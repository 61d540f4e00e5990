//! Sprig's certificate and key generators (`genCA`, `genSelfSignedCert`, `genSignedCert`, their
//! `WithKey` forms, `genPrivateKey`, `buildCustomCert`), following Sprig v3's crypto.go: RSA 2048
//! keys for certificates, a 128-bit random serial, `CN` only in the subject, key usage
//! KeyEncipherment|DigitalSignature (plus CertSign for a CA), extended key usage
//! ServerAuth+ClientAuth, basic constraints. The result is Sprig's `certificate` with `.Cert`
//! (PEM `CERTIFICATE`) and `.Key` (PEM `RSA PRIVATE KEY`, `EC PRIVATE KEY` or `PRIVATE KEY`,
//! as Go's `pemBlockForKey` writes them). Output is random, as in Helm.
use super::{arg_str, arity, type_name};
use crate::model::value::{Map, Value};
use std::time::Duration;
use x509_cert::builder::{Builder, CertificateBuilder, profile::BuilderProfile};
use x509_cert::certificate::{Certificate, TbsCertificate};
use x509_cert::der::asn1::{Ia5String, OctetString};
use x509_cert::der::oid::ObjectIdentifier;
use x509_cert::der::pem::LineEnding;
use x509_cert::der::{Decode, DecodePem, EncodePem};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{EncodePublicKey, SubjectPublicKeyInfoOwned, SubjectPublicKeyInfoRef};
use x509_cert::time::Validity;

const ID_KP_SERVER_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
const ID_KP_CLIENT_AUTH: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");

/// A private key of one of the kinds Go's x509 signs with.
enum PrivKey {
    Rsa(Box<rsa::PrivateKey>),
    Ec(p256::SecretKey),
    Ed(ed25519_dalek::SigningKey),
}

impl PrivKey {
    fn rsa(bits: usize) -> Result<PrivKey, String> {
        rsa::PrivateKey::new(&mut rand::rng(), bits)
            .map(|k| PrivKey::Rsa(Box::new(k)))
            .map_err(|e| format!("error generating RSA key: {e}"))
    }

    /// Go's `pemBlockForKey`: PKCS#1 for RSA, SEC 1 for ECDSA, PKCS#8 otherwise.
    fn to_pem(&self) -> Result<String, String> {
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        use rsa::pkcs1::EncodeRsaPrivateKey;
        let r = match self {
            PrivKey::Rsa(k) => {
                return k
                    .to_pkcs1_pem(LineEnding::LF)
                    .map(|s| s.to_string())
                    .map_err(|e| e.to_string());
            }
            PrivKey::Ec(k) => {
                return k
                    .to_sec1_pem(LineEnding::LF)
                    .map(|s| s.to_string())
                    .map_err(|e| e.to_string());
            }
            PrivKey::Ed(k) => k.to_pkcs8_pem(LineEnding::LF).map(|s| s.to_string()),
        };
        r.map_err(|e| e.to_string())
    }

    fn public_key_info(&self) -> Result<SubjectPublicKeyInfoOwned, String> {
        let der = match self {
            PrivKey::Rsa(k) => k.to_public_key().to_public_key_der(),
            PrivKey::Ec(k) => k.public_key().to_public_key_der(),
            PrivKey::Ed(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|e| e.to_string())?;
        SubjectPublicKeyInfoOwned::from_der(der.as_bytes()).map_err(|e| e.to_string())
    }

    /// Sprig's `parsePrivateKeyPEM`.
    fn from_pem(pem: &str) -> Result<PrivKey, String> {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        use rsa::pkcs1::DecodeRsaPrivateKey;
        let Some(label) = pem_label(pem) else {
            return Err("no PEM data in input".into());
        };
        if label == "PRIVATE KEY" {
            if let Ok(k) = rsa::PrivateKey::from_pkcs8_pem(pem) {
                return Ok(PrivKey::Rsa(Box::new(k)));
            }
            if let Ok(k) = p256::SecretKey::from_pkcs8_pem(pem) {
                return Ok(PrivKey::Ec(k));
            }
            return ed25519_dalek::SigningKey::from_pkcs8_pem(pem)
                .map(PrivKey::Ed)
                .map_err(|e| format!("decoding PEM as PKCS#8: {e}"));
        }
        match label.strip_suffix(" PRIVATE KEY") {
            Some("RSA") => rsa::PrivateKey::from_pkcs1_pem(pem)
                .map(|k| PrivKey::Rsa(Box::new(k)))
                .map_err(|e| format!("parsing RSA private key from PEM: {e}")),
            Some("EC") => p256::SecretKey::from_sec1_pem(pem)
                .map(PrivKey::Ec)
                .map_err(|e| format!("parsing EC private key from PEM: {e}")),
            Some(_) => Err(format!("invalid private key type {label}")),
            None => Err(format!("no private key data in PEM block of type {label}")),
        }
    }

    /// Signs a certificate built by `builder` with this key.
    fn sign(&self, builder: CertificateBuilder<Profile>) -> Result<Certificate, String> {
        let r = match self {
            PrivKey::Rsa(k) => {
                let signer =
                    rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(k.as_ref().clone());
                builder.build::<_, rsa::pkcs1v15::Signature>(&signer)
            }
            PrivKey::Ec(k) => {
                let signer = p256::ecdsa::SigningKey::from(k.clone());
                builder.build::<_, p256::ecdsa::DerSignature>(&signer)
            }
            PrivKey::Ed(k) => builder.build::<_, ed25519_dalek::Signature>(k),
        };
        r.map_err(|e| format!("error creating certificate: {e}"))
    }
}

/// The first PEM block's label (`-----BEGIN LABEL-----`).
fn pem_label(pem: &str) -> Option<&str> {
    let start = pem.find("-----BEGIN ")? + "-----BEGIN ".len();
    let rest = &pem[start..];
    Some(&rest[..rest.find("-----")?])
}

/// The fields Sprig's `getBaseCertTemplate` sets, as an x509-cert profile.
struct Profile {
    subject: Name,
    issuer: Name,
    is_ca: bool,
    dns: Vec<String>,
    ips: Vec<std::net::IpAddr>,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }
    fn get_subject(&self) -> Name {
        self.subject.clone()
    }
    fn build_extensions(
        &self,
        _spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let mut exts: Vec<Extension> = Vec::new();
        let mut usage = KeyUsages::KeyEncipherment | KeyUsages::DigitalSignature;
        if self.is_ca {
            usage |= KeyUsages::KeyCertSign;
        }
        exts.push(KeyUsage(usage).to_extension(tbs.subject(), &exts)?);
        exts.push(
            ExtendedKeyUsage(vec![ID_KP_SERVER_AUTH, ID_KP_CLIENT_AUTH])
                .to_extension(tbs.subject(), &exts)?,
        );
        exts.push(
            BasicConstraints {
                ca: self.is_ca,
                path_len_constraint: None,
            }
            .to_extension(tbs.subject(), &exts)?,
        );
        let mut names = Vec::new();
        for d in &self.dns {
            names.push(GeneralName::DnsName(Ia5String::new(d)?));
        }
        for ip in &self.ips {
            let bytes = match ip {
                std::net::IpAddr::V4(a) => a.octets().to_vec(),
                std::net::IpAddr::V6(a) => a.octets().to_vec(),
            };
            names.push(GeneralName::IpAddress(OctetString::new(bytes)?));
        }
        if !names.is_empty() {
            exts.push(SubjectAltName(names).to_extension(tbs.subject(), &exts)?);
        }
        Ok(exts)
    }
}

/// `CN=<cn>` with RFC 4514 escaping, so any common name is taken literally.
fn cn_name(cn: &str) -> Result<Name, String> {
    let mut esc = String::with_capacity(cn.len() + 3);
    for (i, c) in cn.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';' | '=')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i + 1 == cn.chars().count() && c == ' ');
        if special {
            esc.push('\\');
        }
        esc.push(c);
    }
    if esc.is_empty() {
        return Ok(Name::default());
    }
    format!("CN={esc}")
        .parse::<Name>()
        .map_err(|e| format!("invalid common name {cn:?}: {e}"))
}

/// Go's conversion of a template argument to an `int` parameter.
fn int_arg(v: &Value) -> Result<i64, String> {
    match v {
        Value::Int(i, _, crate::model::value::GoInt::Int) => Ok(*i),
        other => Err(format!(
            "wrong type for value; expected int; got {}",
            type_name(other)
        )),
    }
}

/// A `[]interface{}` parameter of strings (`nil` is empty).
fn str_list(v: &Value, what: &str) -> Result<Vec<String>, String> {
    match v {
        Value::Nil => Ok(Vec::new()),
        Value::List(l) => l
            .iter()
            .map(|x| match x {
                Value::Str(t) => Ok(t.s.to_string()),
                other => Err(format!(
                    "{what}: {} is not a string",
                    super::sprint_value(other)
                )),
            })
            .collect(),
        other => Err(format!(
            "wrong type for value; expected []interface {{}}; got {}",
            type_name(other)
        )),
    }
}

fn ips_arg(v: &Value) -> Result<Vec<std::net::IpAddr>, String> {
    str_list(v, "error parsing ip")?
        .iter()
        .map(|s| {
            s.parse::<std::net::IpAddr>()
                .map_err(|_| format!("error parsing ip: {s}"))
        })
        .collect()
}

fn certificate(cert: String, key: String) -> Value {
    let mut m = Map::new();
    m.insert("Cert".into(), Value::str(cert));
    m.insert("Key".into(), Value::str(key));
    Value::map(m)
}

struct Request {
    cn: String,
    ips: Vec<std::net::IpAddr>,
    dns: Vec<String>,
    days: i64,
    is_ca: bool,
}

/// Sprig's `getCertAndKey`: a certificate for `key`, issued by `issuer` (or self-signed).
fn make_cert(
    req: Request,
    key: &PrivKey,
    issuer: Option<(&Certificate, &PrivKey)>,
) -> Result<Value, String> {
    let subject = cn_name(&req.cn)?;
    let issuer_name = match issuer {
        Some((c, _)) => c.tbs_certificate().subject().clone(),
        None => subject.clone(),
    };
    let secs = req.days.saturating_mul(86_400).max(0) as u64;
    let validity = Validity::from_now(Duration::from_secs(secs)).map_err(|e| e.to_string())?;
    let profile = Profile {
        subject,
        issuer: issuer_name,
        is_ca: req.is_ca,
        dns: req.dns,
        ips: req.ips,
    };
    let serial = SerialNumber::generate(&mut rand::rng());
    let builder = CertificateBuilder::new(profile, serial, validity, key.public_key_info()?)
        .map_err(|e| format!("error creating certificate: {e}"))?;
    let signer = issuer.map(|(_, k)| k).unwrap_or(key);
    let cert = signer.sign(builder)?;
    let pem = cert.to_pem(LineEnding::LF).map_err(|e| e.to_string())?;
    Ok(certificate(pem, key.to_pem()?))
}

/// The issuing CA of `genSignedCert`: Sprig's `certificate` (a map with Cert and Key here).
fn ca_arg(v: &Value) -> Result<(Certificate, PrivKey), String> {
    let field = |k: &str| -> String {
        v.get(k)
            .and_then(|x| x.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    if !matches!(v, Value::Map(_)) {
        return Err(format!(
            "wrong type for value; expected sprig.certificate; got {}",
            type_name(v)
        ));
    }
    let cert_pem = field("Cert");
    if pem_label(&cert_pem).is_none() {
        return Err("unable to decode certificate".into());
    }
    let cert = Certificate::from_pem(cert_pem.as_bytes())
        .map_err(|e| format!("error parsing certificate: decodedSignerCert.Bytes: {e}"))?;
    let key_pem = field("Key");
    if pem_label(&key_pem).is_none() {
        return Err("unable to decode key".into());
    }
    let key = PrivKey::from_pem(&key_pem).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok((cert, key))
}

pub(super) fn gen_ca(args: &[Value]) -> Result<Value, String> {
    arity("genCA", args, 2)?;
    let key = PrivKey::rsa(2048)?;
    ca_with(args, &key)
}

pub(super) fn gen_ca_with_key(args: &[Value]) -> Result<Value, String> {
    arity("genCAWithKey", args, 3)?;
    let key = PrivKey::from_pem(arg_str(&args[2])?)?;
    ca_with(args, &key)
}

fn ca_with(args: &[Value], key: &PrivKey) -> Result<Value, String> {
    let req = Request {
        cn: arg_str(&args[0])?.to_string(),
        ips: Vec::new(),
        dns: Vec::new(),
        days: int_arg(&args[1])?,
        is_ca: true,
    };
    make_cert(req, key, None)
}

fn leaf_request(args: &[Value]) -> Result<Request, String> {
    Ok(Request {
        cn: arg_str(&args[0])?.to_string(),
        ips: ips_arg(&args[1])?,
        dns: str_list(&args[2], "error processing alternate dns name")?,
        days: int_arg(&args[3])?,
        is_ca: false,
    })
}

pub(super) fn gen_self_signed_cert(args: &[Value]) -> Result<Value, String> {
    arity("genSelfSignedCert", args, 4)?;
    let req = leaf_request(args)?;
    make_cert(req, &PrivKey::rsa(2048)?, None)
}

pub(super) fn gen_self_signed_cert_with_key(args: &[Value]) -> Result<Value, String> {
    arity("genSelfSignedCertWithKey", args, 5)?;
    let req = leaf_request(args)?;
    let key = PrivKey::from_pem(arg_str(&args[4])?)?;
    make_cert(req, &key, None)
}

pub(super) fn gen_signed_cert(args: &[Value]) -> Result<Value, String> {
    arity("genSignedCert", args, 5)?;
    let req = leaf_request(args)?;
    let (ca, ca_key) = ca_arg(&args[4])?;
    make_cert(req, &PrivKey::rsa(2048)?, Some((&ca, &ca_key)))
}

pub(super) fn gen_signed_cert_with_key(args: &[Value]) -> Result<Value, String> {
    arity("genSignedCertWithKey", args, 6)?;
    let req = leaf_request(args)?;
    let (ca, ca_key) = ca_arg(&args[4])?;
    let key = PrivKey::from_pem(arg_str(&args[5])?)?;
    make_cert(req, &key, Some((&ca, &ca_key)))
}

/// `genPrivateKey "rsa"|"ecdsa"|"ed25519"`: a PEM key; errors are returned as text, as Sprig does.
pub(super) fn gen_private_key(args: &[Value]) -> Result<Value, String> {
    arity("genPrivateKey", args, 1)?;
    let typ = arg_str(&args[0])?;
    let key = match typ {
        "" | "rsa" => PrivKey::rsa(4096),
        "ecdsa" => Ok(PrivKey::Ec(
            <p256::SecretKey as p256::elliptic_curve::Generate>::generate_from_rng(&mut rand::rng()),
        )),
        "ed25519" => Ok(PrivKey::Ed(ed25519_dalek::SigningKey::generate(
            &mut rand::rng(),
        ))),
        "dsa" => Err("DSA keys are not supported by chartgate's renderer".to_string()),
        other => return Ok(Value::str(format!("Unknown type {other}"))),
    };
    match key.and_then(|k| k.to_pem()) {
        Ok(pem) => Ok(Value::str(pem)),
        Err(e) => Ok(Value::str(format!("failed to generate private key: {e}"))),
    }
}

/// `buildCustomCert B64CERT B64KEY`: checks both and returns them decoded as a certificate.
pub(super) fn build_custom_cert(args: &[Value]) -> Result<Value, String> {
    use base64::Engine;
    arity("buildCustomCert", args, 2)?;
    let b64 = base64::engine::general_purpose::STANDARD;
    let cert = b64
        .decode(arg_str(&args[0])?)
        .map_err(|_| "unable to decode base64 certificate".to_string())?;
    let key = b64
        .decode(arg_str(&args[1])?)
        .map_err(|_| "unable to decode base64 private key".to_string())?;
    let cert = String::from_utf8_lossy(&cert).into_owned();
    let key = String::from_utf8_lossy(&key).into_owned();
    if pem_label(&cert).is_none() {
        return Err("unable to decode certificate".into());
    }
    Certificate::from_pem(cert.as_bytes())
        .map_err(|e| format!("error parsing certificate: decodedCert.Bytes: {e}"))?;
    PrivKey::from_pem(&key).map_err(|e| format!("error parsing private key: {e}"))?;
    Ok(certificate(cert, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::ext::pkix::name::GeneralName;

    fn s(v: &str) -> Value {
        Value::str(v)
    }

    fn field(v: &Value, k: &str) -> String {
        v.get(k)
            .and_then(|x| x.as_str().map(str::to_string))
            .unwrap()
    }

    fn parse(pem: &str) -> Certificate {
        Certificate::from_pem(pem.as_bytes()).expect("certificate parses")
    }

    fn sans(c: &Certificate) -> Vec<String> {
        let Some((_, san)) = c
            .tbs_certificate()
            .get_extension::<SubjectAltName>()
            .unwrap()
        else {
            return Vec::new();
        };
        san.0
            .iter()
            .map(|n| match n {
                GeneralName::DnsName(d) => d.to_string(),
                GeneralName::IpAddress(o) => format!("ip:{:?}", o.as_bytes()),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn ca_and_signed_cert_as_sprig_makes_them() {
        let ca = gen_ca(&[s("my-ca"), Value::int(365)]).unwrap();
        assert!(field(&ca, "Key").starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
        let ca_cert = parse(&field(&ca, "Cert"));
        assert_eq!(ca_cert.tbs_certificate().subject().to_string(), "CN=my-ca");
        assert_eq!(ca_cert.tbs_certificate().issuer().to_string(), "CN=my-ca");
        let (_, bc) = ca_cert
            .tbs_certificate()
            .get_extension::<BasicConstraints>()
            .unwrap()
            .unwrap();
        assert!(bc.ca);
        let leaf = gen_signed_cert(&[
            s("svc"),
            Value::list(vec![s("10.0.0.1")]),
            Value::list(vec![s("svc.ns"), s("svc.ns.svc")]),
            Value::int(30),
            ca.clone(),
        ])
        .unwrap();
        let c = parse(&field(&leaf, "Cert"));
        assert_eq!(c.tbs_certificate().subject().to_string(), "CN=svc");
        assert_eq!(c.tbs_certificate().issuer().to_string(), "CN=my-ca");
        assert_eq!(sans(&c), ["svc.ns", "svc.ns.svc", "ip:[10, 0, 0, 1]"]);
        let v = c.tbs_certificate().validity();
        let days =
            (v.not_after.to_unix_duration() - v.not_before.to_unix_duration()).as_secs() / 86_400;
        assert_eq!(days, 30);
        // A bad IP or a non-string name is Sprig's error.
        let e = gen_signed_cert(&[
            s("svc"),
            Value::list(vec![s("nope")]),
            Value::Nil,
            Value::int(1),
            ca.clone(),
        ]);
        assert_eq!(e.unwrap_err(), "error parsing ip: nope");
        let e = gen_self_signed_cert(&[s("x"), Value::Nil, Value::Nil, Value::float(1.0)]);
        assert_eq!(
            e.unwrap_err(),
            "wrong type for value; expected int; got float64"
        );
    }

    #[test]
    fn private_keys_of_each_kind_sign_certificates() {
        for (typ, label) in [("ecdsa", "EC PRIVATE KEY"), ("ed25519", "PRIVATE KEY")] {
            let key = gen_private_key(&[s(typ)]).unwrap();
            let key = key.as_str().unwrap().to_string();
            assert_eq!(pem_label(&key), Some(label), "{typ}");
            let c = gen_self_signed_cert_with_key(&[
                s("k"),
                Value::Nil,
                Value::list(vec![s("k.example")]),
                Value::int(1),
                s(&key),
            ])
            .unwrap();
            assert_eq!(field(&c, "Key"), key, "{typ}: the given key is returned");
            assert_eq!(sans(&parse(&field(&c, "Cert"))), ["k.example"]);
            let ca = gen_ca_with_key(&[s("ca"), Value::int(1), s(&key)]).unwrap();
            let signed = gen_signed_cert_with_key(&[
                s("leaf"),
                Value::Nil,
                Value::Nil,
                Value::int(1),
                ca,
                s(&key),
            ])
            .unwrap();
            parse(&field(&signed, "Cert"));
        }
        assert_eq!(
            gen_private_key(&[s("x")]).unwrap().as_str(),
            Some("Unknown type x")
        );
        assert_eq!(
            PrivKey::from_pem("-----BEGIN FOO-----\nAA==\n-----END FOO-----\n").err(),
            Some("no private key data in PEM block of type FOO".to_string())
        );
    }

    #[test]
    fn build_custom_cert_checks_and_decodes() {
        use base64::Engine;
        let ca = gen_ca(&[s("c"), Value::int(1)]).unwrap();
        let b64 = base64::engine::general_purpose::STANDARD;
        let (c, k) = (field(&ca, "Cert"), field(&ca, "Key"));
        let out = build_custom_cert(&[s(&b64.encode(&c)), s(&b64.encode(&k))]).unwrap();
        assert_eq!((field(&out, "Cert"), field(&out, "Key")), (c, k));
        assert_eq!(
            build_custom_cert(&[s("!!"), s("")]).unwrap_err(),
            "unable to decode base64 certificate"
        );
    }
}
