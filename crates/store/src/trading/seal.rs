//! The cryptography of sealed bids, all from kept crates: HPKE (RFC 9180; X25519, HKDF-SHA256,
//! ChaCha20-Poly1305; `hpke`) seals each bid to its lot's opening key the moment it arrives;
//! the key is derived from 32 random bytes that are split k-of-n by Shamir's scheme over
//! GF(256) (`blahaj`) among the opening officials and then forgotten, so the server never holds
//! it again until k officials present their shares. Each share is sealed to its official's own
//! key, derived (Argon2id) from a passphrase only they know, until they take it.

use hpke::kem::X25519HkdfSha256 as Kem;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use sha2::{Digest, Sha256};

type Kdf = hpke::kdf::HkdfSha256;
type Aead = hpke::aead::ChaCha20Poly1305;

pub type SecretKey = <Kem as hpke::Kem>::PrivateKey;

/// What HPKE binds every sealed bid and share to.
const INFO: &[u8] = b"OneWindow trading v1";
/// An encapsulated X25519 key's length, which begins every sealed message.
const ENCAPPED: usize = 32;

/// Why something sealed could not be opened or a key not rebuilt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("密钥份额不足：需要 {needed} 份，只收到 {got} 份")]
    TooFewShares { needed: usize, got: usize },
    #[error("密钥份额不正确，无法恢复开标密钥")]
    WrongShares,
    #[error("密文已损坏或不属于本标段")]
    Corrupt,
    #[error("口令不正确")]
    WrongPassphrase,
}

/// A lot's new opening key: its public half and the n shares of its secret (each `1 + 32`
/// bytes: the share's x, then y). The secret itself is dropped on return.
pub struct NewLotKey {
    pub public_key: String,
    pub shares: Vec<Vec<u8>>,
}

/// Makes a lot's opening key and splits it so that any `k` of the `n` shares rebuild it.
pub fn new_lot_key(k: u8, n: u8) -> NewLotKey {
    let mut ikm = [0u8; 32];
    rand::fill(&mut ikm);
    let (_, pk) = Kem::derive_keypair(&ikm);
    let shares = blahaj::Sharks(k)
        .dealer(&ikm)
        .take(usize::from(n))
        .map(|s| Vec::from(&s))
        .collect();
    ikm.fill(0);
    NewLotKey {
        public_key: hex::encode(pk.to_bytes()),
        shares,
    }
}

/// Rebuilds a lot's secret key from at least `k` shares and checks it against the lot's public
/// key: wrong shares give a different key, which is refused.
pub fn rebuild(k: u8, shares: &[Vec<u8>], public_key: &str) -> Result<SecretKey, SealError> {
    if shares.len() < usize::from(k) {
        return Err(SealError::TooFewShares {
            needed: usize::from(k),
            got: shares.len(),
        });
    }
    let parsed: Vec<blahaj::Share> = shares
        .iter()
        .map(|s| blahaj::Share::try_from(s.as_slice()).map_err(|_| SealError::WrongShares))
        .collect::<Result<_, _>>()?;
    let mut ikm = blahaj::Sharks(k)
        .recover(parsed.iter())
        .map_err(|_| SealError::WrongShares)?;
    let (sk, pk) = Kem::derive_keypair(&ikm);
    ikm.fill(0);
    if hex::encode(pk.to_bytes()) != public_key {
        return Err(SealError::WrongShares);
    }
    Ok(sk)
}

/// Seals `plaintext` to the public key (hex), bound to `aad`: the encapsulated key, then the
/// ciphertext with its tag.
pub fn seal(public_key: &str, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, SealError> {
    let pk = hex::decode(public_key)
        .ok()
        .and_then(|b| <Kem as hpke::Kem>::PublicKey::from_bytes(&b).ok())
        .ok_or(SealError::Corrupt)?;
    let (encapped, ciphertext) =
        hpke::single_shot_seal::<Aead, Kdf, Kem>(&OpModeS::Base, &pk, INFO, plaintext, aad)
            .map_err(|_| SealError::Corrupt)?;
    let mut out = Vec::with_capacity(ENCAPPED + ciphertext.len());
    out.extend_from_slice(&encapped.to_bytes());
    out.extend_from_slice(&ciphertext);
    Ok(out)
}

/// Opens what `seal` made for this key and `aad`.
pub fn open(sk: &SecretKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.len() < ENCAPPED {
        return Err(SealError::Corrupt);
    }
    let (encapped, ciphertext) = sealed.split_at(ENCAPPED);
    let encapped =
        <Kem as hpke::Kem>::EncappedKey::from_bytes(encapped).map_err(|_| SealError::Corrupt)?;
    hpke::single_shot_open::<Aead, Kdf, Kem>(&OpModeR::Base, sk, &encapped, INFO, ciphertext, aad)
        .map_err(|_| SealError::Corrupt)
}

/// An official's key pair from their passphrase and salt (Argon2id, then HPKE's key
/// derivation): the server stores the salt and public key, never the passphrase or the secret.
pub fn official_key(passphrase: &str, salt: &[u8]) -> Result<(SecretKey, String), SealError> {
    let mut ikm = [0u8; 32];
    argon2::Argon2::default()
        .hash_password_into(passphrase.as_bytes(), salt, &mut ikm)
        .map_err(|_| SealError::WrongPassphrase)?;
    let (sk, pk) = Kem::derive_keypair(&ikm);
    ikm.fill(0);
    Ok((sk, hex::encode(pk.to_bytes())))
}

/// A fresh salt for an official's key.
pub fn new_salt() -> String {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    hex::encode(salt)
}

/// SHA-256 in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn k_shares_open_a_bid_and_fewer_or_wrong_ones_do_not() {
        let key = new_lot_key(3, 5);
        assert_eq!(key.shares.len(), 5);
        let sealed = seal(&key.public_key, b"lot:1", b"price=100").unwrap();
        assert_ne!(&sealed[ENCAPPED..], b"price=100");
        let sk = rebuild(3, &key.shares[1..4], &key.public_key).unwrap();
        assert_eq!(open(&sk, b"lot:1", &sealed).unwrap(), b"price=100");
        // Bound to its lot.
        assert_eq!(open(&sk, b"lot:2", &sealed), Err(SealError::Corrupt));
        assert!(matches!(
            rebuild(3, &key.shares[..2], &key.public_key),
            Err(SealError::TooFewShares { needed: 3, got: 2 })
        ));
        let mut wrong = key.shares[..3].to_vec();
        wrong[2][5] ^= 1;
        assert!(matches!(
            rebuild(3, &wrong, &key.public_key),
            Err(SealError::WrongShares)
        ));
    }

    #[test]
    fn an_officials_share_opens_with_their_passphrase_only() {
        let salt = new_salt();
        let (_, pk) = official_key("正确的口令 2026", salt.as_bytes()).unwrap();
        let sealed = seal(&pk, b"share", b"secret share").unwrap();
        let (sk, again) = official_key("正确的口令 2026", salt.as_bytes()).unwrap();
        assert_eq!(again, pk);
        assert_eq!(open(&sk, b"share", &sealed).unwrap(), b"secret share");
        let (other, _) = official_key("错误的口令", salt.as_bytes()).unwrap();
        assert_eq!(open(&other, b"share", &sealed), Err(SealError::Corrupt));
    }
}
