//! Encodings, hashes, bcrypt and random strings (certificates and keys are in `certs.rs`).
use super::{arg_str, arity};
use crate::render::value::Value;
use base64::Engine;
use rand::RngExt;
use sha1::Digest;

pub(super) fn b64enc(args: &[Value]) -> Result<Value, String> {
    arity("b64enc", args, 1)?;
    Ok(Value::str(
        base64::engine::general_purpose::STANDARD.encode(arg_str(&args[0])?),
    ))
}

/// Sprig returns the decode error's text instead of failing.
pub(super) fn b64dec(args: &[Value]) -> Result<Value, String> {
    arity("b64dec", args, 1)?;
    match base64::engine::general_purpose::STANDARD.decode(arg_str(&args[0])?) {
        Ok(b) => Ok(Value::str(String::from_utf8_lossy(&b).into_owned())),
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
    let data = arg_str(&args[0])?.as_bytes();
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
    Ok(Value::str(String::from_utf8_lossy(&out).into_owned()))
}

pub(super) fn sha1sum(args: &[Value]) -> Result<Value, String> {
    arity("sha1sum", args, 1)?;
    Ok(Value::str(hex::encode(sha1::Sha1::digest(
        arg_str(&args[0])?.as_bytes(),
    ))))
}

pub(super) fn sha256sum(args: &[Value]) -> Result<Value, String> {
    arity("sha256sum", args, 1)?;
    Ok(Value::str(hex::encode(sha2::Sha256::digest(
        arg_str(&args[0])?.as_bytes(),
    ))))
}

pub(super) fn sha512sum(args: &[Value]) -> Result<Value, String> {
    arity("sha512sum", args, 1)?;
    Ok(Value::str(hex::encode(sha2::Sha512::digest(
        arg_str(&args[0])?.as_bytes(),
    ))))
}

pub(super) fn adler32sum(args: &[Value]) -> Result<Value, String> {
    arity("adler32sum", args, 1)?;
    let (mut a, mut b) = (1u32, 0u32);
    for &c in arg_str(&args[0])?.as_bytes() {
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
pub(super) fn unsupported(_args: &[Value]) -> Result<Value, String> {
    Err("this function (encryptAES, decryptAES, derivePassword) is not supported by chartgate's renderer; use --renderer helm".into())
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
