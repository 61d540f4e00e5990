//! Encodings, hashes, bcrypt and random strings (certificates and keys are in `certs.rs`).
use super::{arg_str, arity};
use crate::gocompat::gobytes;
use crate::model::value::Value;
use base64::Engine;
use rand::RngExt;
use sha1::Digest;

pub(super) fn b64enc(args: &[Value]) -> Result<Value, String> {
    arity("b64enc", args, 1)?;
    let out = base64::engine::general_purpose::STANDARD.encode(gobytes::encode(arg_str(&args[0])?));
    match &args[0] {
        Value::Str(t) if out.len() != t.s.len() => Ok(super::derived(t, out)),
        _ => Ok(Value::str(out)),
    }
}

/// Sprig returns the decode error's text instead of failing.
pub(super) fn b64dec(args: &[Value]) -> Result<Value, String> {
    arity("b64dec", args, 1)?;
    match base64::engine::general_purpose::STANDARD.decode(arg_str(&args[0])?) {
        Ok(b) => Ok(Value::str(gobytes::decode(&b))),
        Err(e) => Ok(Value::str(go_b64_error(&e))),
    }
}

fn go_b64_error(e: &base64::DecodeError) -> String {
    use base64::DecodeError::*;
    let off = match e {
        InvalidByte(o, _) | InvalidLastSymbol { offset: o, .. } => *o,
        InvalidLength(o) => *o,
        InvalidPadding => 0,
    };
    format!("illegal base64 data at input byte {off}")
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

pub(super) fn b32enc(args: &[Value]) -> Result<Value, String> {
    arity("b32enc", args, 1)?;
    let data = gobytes::encode(arg_str(&args[0])?);
    let mut out = String::new();
    for chunk in data.chunks(5) {
        let mut buf = [0u8; 5];
        buf[..chunk.len()].copy_from_slice(chunk);
        let n = u64::from_be_bytes([0, 0, 0, buf[0], buf[1], buf[2], buf[3], buf[4]]);
        let chars = (chunk.len() * 8).div_ceil(5);
        for i in 0..8 {
            if i < chars {
                out.push(B32[((n >> (35 - i * 5)) & 31) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    Ok(Value::str(out))
}

pub(super) fn b32dec(args: &[Value]) -> Result<Value, String> {
    arity("b32dec", args, 1)?;
    let s = arg_str(&args[0])?;
    let mut bits = 0u64;
    let mut nbits = 0;
    let mut out = Vec::new();
    for (i, c) in s.trim_end_matches('=').bytes().enumerate() {
        let Some(v) = B32.iter().position(|&b| b == c) else {
            return Ok(Value::str(format!("illegal base32 data at input byte {i}")));
        };
        bits = (bits << 5) | v as u64;
        nbits += 5;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    Ok(Value::str(gobytes::decode(&out)))
}

pub(super) fn sha1sum(args: &[Value]) -> Result<Value, String> {
    arity("sha1sum", args, 1)?;
    Ok(Value::str(hex::encode(sha1::Sha1::digest(
        &*gobytes::encode(arg_str(&args[0])?),
    ))))
}

pub(super) fn sha256sum(args: &[Value]) -> Result<Value, String> {
    arity("sha256sum", args, 1)?;
    Ok(Value::str(hex::encode(sha2::Sha256::digest(
        &*gobytes::encode(arg_str(&args[0])?),
    ))))
}

pub(super) fn sha512sum(args: &[Value]) -> Result<Value, String> {
    arity("sha512sum", args, 1)?;
    Ok(Value::str(hex::encode(sha2::Sha512::digest(
        &*gobytes::encode(arg_str(&args[0])?),
    ))))
}

pub(super) fn adler32sum(args: &[Value]) -> Result<Value, String> {
    arity("adler32sum", args, 1)?;
    let (mut a, mut b) = (1u32, 0u32);
    for &c in &*gobytes::encode(arg_str(&args[0])?) {
        a = (a + c as u32) % 65521;
        b = (b + a) % 65521;
    }
    Ok(Value::str(((b << 16) | a).to_string()))
}

pub(super) fn uuidv4(args: &[Value]) -> Result<Value, String> {
    arity("uuidv4", args, 0)?;
    Ok(Value::str(uuid::Uuid::new_v4().to_string()))
}

fn random_from(args: &[Value], name: &str, alphabet: &[u8]) -> Result<Value, String> {
    arity(name, args, 1)?;
    let n = super::arg_int(&args[0])?;
    if n < 0 {
        return Err(format!("{name}: negative count"));
    }
    if n > 1 << 20 {
        return Err(format!("{name}: count too large"));
    }
    let mut rng = rand::rng();
    let s: String = (0..n)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect();
    Ok(Value::str(s))
}

const ALPHA: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const NUM: &[u8] = b"0123456789";
const ASCII: &[u8] = b" !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~";

pub(super) fn rand_alpha_num(args: &[Value]) -> Result<Value, String> {
    random_from(args, "randAlphaNum", ALNUM)
}
pub(super) fn rand_alpha(args: &[Value]) -> Result<Value, String> {
    random_from(args, "randAlpha", ALPHA)
}
pub(super) fn rand_numeric(args: &[Value]) -> Result<Value, String> {
    random_from(args, "randNumeric", NUM)
}
pub(super) fn rand_ascii(args: &[Value]) -> Result<Value, String> {
    random_from(args, "randAscii", ASCII)
}

/// Certificates, keys, AES, bcrypt: no well-kept pure-Rust path in our dependency set.
/// Sprig's AES key: the password's bytes in a zeroed 32-byte key (longer passwords are cut).
fn aes_key(password: &str) -> aes::Aes256 {
    use aes::cipher::KeyInit;
    let mut key = [0u8; 32];
    let p = password.as_bytes();
    let n = p.len().min(32);
    key[..n].copy_from_slice(&p[..n]);
    aes::Aes256::new(&key.into())
}

/// Sprig's `encryptAES PASSWORD TEXT`: AES-256-CBC with a random IV and PKCS#7 padding,
/// base64(IV ‖ ciphertext). Random, as in Helm.
pub(super) fn encrypt_aes(args: &[Value]) -> Result<Value, String> {
    use aes::cipher::BlockCipherEncrypt;
    arity("encryptAES", args, 2)?;
    let plain = arg_str(&args[1])?.as_bytes();
    if plain.is_empty() {
        return Ok(Value::str(""));
    }
    let cipher = aes_key(arg_str(&args[0])?);
    let pad = 16 - plain.len() % 16;
    let mut content = plain.to_vec();
    content.extend(std::iter::repeat_n(pad as u8, pad));
    let mut out = vec![0u8; 16];
    rand::rng().fill(&mut out[..]);
    let mut prev: [u8; 16] = out[..16].try_into().expect("16 bytes");
    for chunk in content.chunks(16) {
        let mut block = [0u8; 16];
        for i in 0..16 {
            block[i] = chunk[i] ^ prev[i];
        }
        let mut b = block.into();
        cipher.encrypt_block(&mut b);
        prev = b.into();
        out.extend_from_slice(&prev);
    }
    Ok(Value::str(
        base64::engine::general_purpose::STANDARD.encode(out),
    ))
}

/// Sprig's `decryptAES PASSWORD BASE64`: the inverse of `encryptAES`.
pub(super) fn decrypt_aes(args: &[Value]) -> Result<Value, String> {
    use aes::cipher::BlockCipherDecrypt;
    arity("decryptAES", args, 2)?;
    let crypt64 = arg_str(&args[1])?;
    if crypt64.is_empty() {
        return Ok(Value::str(""));
    }
    let crypt = base64::engine::general_purpose::STANDARD
        .decode(crypt64)
        .map_err(|e| go_b64_error(&e))?;
    if crypt.len() < 32 || crypt.len() % 16 != 0 {
        return Err("crypto/cipher: input not full blocks".into());
    }
    let cipher = aes_key(arg_str(&args[0])?);
    let mut out = Vec::with_capacity(crypt.len() - 16);
    for w in crypt.chunks(16).collect::<Vec<_>>().windows(2) {
        let mut b = <[u8; 16]>::try_from(w[1]).expect("16 bytes").into();
        cipher.decrypt_block(&mut b);
        let b: [u8; 16] = b.into();
        out.extend(b.iter().zip(w[0]).map(|(x, y)| x ^ y));
    }
    // Sprig strips as many bytes as the last byte says (without checking the padding).
    let pad = *out.last().unwrap_or(&0) as usize;
    if pad > out.len() {
        return Err(format!(
            "runtime error: slice bounds out of range [:{}]",
            out.len() as i64 - pad as i64
        ));
    }
    out.truncate(out.len() - pad);
    Ok(Value::str(String::from_utf8_lossy(&out).into_owned()))
}

const MASTER_PASSWORD_SEED: &str = "com.lyndir.masterpassword";

fn password_templates(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "maximum" => &["anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"],
        "long" => &[
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
        "medium" => &["CvcnoCvc", "CvcCvcno"],
        "short" => &["Cvcn"],
        "basic" => &["aaanaaan", "aannaaan", "aaannaaa"],
        "pin" => &["nnnn"],
        _ => return None,
    })
}

fn password_chars(c: u8) -> &'static [u8] {
    match c {
        b'V' => b"AEIOU",
        b'C' => b"BCDFGHJKLMNPQRSTVWXYZ",
        b'v' => b"aeiou",
        b'c' => b"bcdfghjklmnpqrstvwxyz",
        b'A' => b"AEIOUBCDFGHJKLMNPQRSTVWXYZ",
        b'a' => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz",
        b'n' => b"0123456789",
        b'o' => b"@&%?,=[]_:-+*$#!'^~;()/.",
        _ => b"AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()",
    }
}

/// Sprig's `derivePassword COUNTER TYPE PASSWORD USER SITE` (the Master Password algorithm:
/// scrypt N=32768 r=8 p=2 over the user, HMAC-SHA256 over the site and counter).
pub(super) fn derive_password(args: &[Value]) -> Result<Value, String> {
    use hmac::{KeyInit, Mac};
    arity("derivePassword", args, 5)?;
    let counter = match &args[0] {
        Value::Int(i, _, _) if (0..=u32::MAX as i64).contains(i) => *i as u32,
        other => {
            return Err(format!(
                "wrong type for value; expected uint32; got {}",
                super::type_name(other)
            ));
        }
    };
    let kind = arg_str(&args[1])?;
    let Some(templates) = password_templates(kind) else {
        return Ok(Value::str(format!("cannot find password template {kind}")));
    };
    let (password, user, site) = (arg_str(&args[2])?, arg_str(&args[3])?, arg_str(&args[4])?);
    let mut salt = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    salt.extend((user.len() as u32).to_be_bytes());
    salt.extend(user.as_bytes());
    let params = scrypt::Params::new(15, 8, 2).map_err(|e| e.to_string())?;
    let mut key = [0u8; 64];
    scrypt::scrypt(password.as_bytes(), &salt, &params, &mut key)
        .map_err(|e| format!("failed to create password: {e}"))?;
    let mut msg = MASTER_PASSWORD_SEED.as_bytes().to_vec();
    msg.extend((site.len() as u32).to_be_bytes());
    msg.extend(site.as_bytes());
    msg.extend(counter.to_be_bytes());
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    mac.update(&msg);
    let seed = mac.finalize().into_bytes();
    let template = templates[seed[0] as usize % templates.len()].as_bytes();
    let out: String = template
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let chars = password_chars(c);
            chars[seed[i + 1] as usize % chars.len()] as char
        })
        .collect();
    Ok(Value::str(out))
}

/// Sprig's `bcrypt`: a `$2a$` hash with Go's default cost (10).
pub(super) fn bcrypt(args: &[Value]) -> Result<Value, String> {
    arity("bcrypt", args, 1)?;
    bcrypt_hash(arg_str(&args[0])?).map(Value::str)
}

fn bcrypt_hash(pw: &str) -> Result<String, String> {
    bcrypt::hash_with_result(pw, 10)
        .map(|h| h.format_for_version(bcrypt::Version::TwoA))
        .map_err(|e| e.to_string())
}

/// Sprig's `htpasswd USER PASSWORD`: `user:bcrypt(password)`; a user with `:` is refused in
/// the returned text, as Sprig does.
pub(super) fn htpasswd(args: &[Value]) -> Result<Value, String> {
    arity("htpasswd", args, 2)?;
    let user = arg_str(&args[0])?;
    if user.contains(':') {
        return Ok(Value::str(format!("invalid username: {user}")));
    }
    Ok(Value::str(format!(
        "{user}:{}",
        bcrypt_hash(arg_str(&args[1])?)?
    )))
}

/// `randBytes n`: n random bytes, base64-encoded.
pub(super) fn rand_bytes(args: &[Value]) -> Result<Value, String> {
    arity("randBytes", args, 1)?;
    let n = super::arg_int(&args[0])?.clamp(0, 1 << 20) as usize;
    let mut rng = rand::rng();
    let bytes: Vec<u8> = (0..n).map(|_| rng.random::<u8>()).collect();
    Ok(Value::str(
        base64::engine::general_purpose::STANDARD.encode(bytes),
    ))
}
