//! The expert draw (专家抽取), re-derivable by anyone from what is published:
//!
//! 1. `pool_hash` = SHA-256 of the eligible experts' ids in ascending order, each as decimal
//!    text, joined by `\n` (no trailing newline), published before any seed value is known;
//! 2. the seed values are collected after that (each opening official's random contribution,
//!    then the hash of the lot's last bid receipt);
//! 3. `seed` = SHA-256 of the UTF-8 text `pool_hash` (lower-case hex) followed by each seed
//!    value, each preceded by `\n`;
//! 4. for i = 0, 1, 2, …: `h` = SHA-256(`seed` ‖ i as 4-byte big-endian), `j` = `h` read as a
//!    256-bit big-endian integer mod the number of experts still in the list; the j-th remaining
//!    expert (0-based, ascending ids) is drawn and removed. An expert who declines is replaced by
//!    the next i, so the experts are the first picks, in order, until `count` have not declined.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// One pick of step 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pick {
    pub i: u32,
    pub expert: i64,
    pub declined: bool,
}

/// Everything a draw publishes: enough to re-derive it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    /// The eligible experts' ids.
    pub pool: Vec<i64>,
    pub pool_hash: String,
    /// The seed values, in the order they were entered.
    pub seeds: Vec<String>,
    /// How many experts the draw wants.
    pub count: usize,
    /// The picks, in order, with the experts who declined marked.
    pub picks: Vec<Pick>,
}

/// Step 1: the commitment to the eligible pool. `ids` in any order.
pub fn pool_hash(ids: &[i64]) -> String {
    let mut sorted = ids.to_vec();
    sorted.sort_unstable();
    let mut h = Sha256::new();
    for (n, id) in sorted.iter().enumerate() {
        if n > 0 {
            h.update(b"\n");
        }
        h.update(id.to_string().as_bytes());
    }
    hex(&h.finalize())
}

/// Step 3: the seed from the commitment and the seed values.
pub fn seed(pool_hash: &str, seeds: &[String]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(pool_hash.as_bytes());
    for s in seeds {
        h.update(b"\n");
        h.update(s.as_bytes());
    }
    h.finalize().into()
}

/// Step 4: the picks from `pool` (ascending, no repeats), in order, as many as `take` says:
/// `take` sees each expert as it is drawn and answers whether to go on.
pub fn draw(pool: &[i64], seed: &[u8; 32], mut take: impl FnMut(i64) -> bool) -> Vec<(u32, i64)> {
    let mut left = pool.to_vec();
    let mut out = Vec::new();
    let mut i: u32 = 0;
    while !left.is_empty() {
        let mut h = Sha256::new();
        h.update(seed);
        h.update(i.to_be_bytes());
        let digest = h.finalize();
        let n = left.len() as u128;
        let j = digest
            .iter()
            .fold(0u128, |r, b| (r * 256 + u128::from(*b)) % n) as usize;
        let expert = left.remove(j);
        out.push((i, expert));
        if !take(expert) {
            break;
        }
        i = match i.checked_add(1) {
            Some(next) => next,
            None => break,
        };
    }
    out
}

/// The picks a record's inputs give, with `declined` the experts who declined: first picks
/// until `count` have accepted (or the pool runs out).
pub fn derive(pool: &[i64], seeds: &[String], count: usize, declined: &[i64]) -> Vec<Pick> {
    let mut sorted = pool.to_vec();
    sorted.sort_unstable();
    let s = seed(&pool_hash(&sorted), seeds);
    let mut accepted = 0;
    if count == 0 {
        return Vec::new();
    }
    draw(&sorted, &s, |e| {
        if !declined.contains(&e) {
            accepted += 1;
        }
        accepted < count
    })
    .into_iter()
    .map(|(i, expert)| Pick {
        i,
        expert,
        declined: declined.contains(&expert),
    })
    .collect()
}

/// What a verification found wrong, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Mismatch(pub String);

/// Re-derives a published draw: the pool's hash, then every pick.
pub fn verify(record: &DrawRecord) -> Result<(), Mismatch> {
    let mut sorted = record.pool.clone();
    sorted.sort_unstable();
    if sorted.windows(2).any(|w| w[0] == w[1]) {
        return Err(Mismatch("专家库名单中有重复编号".into()));
    }
    let hash = pool_hash(&sorted);
    if hash != record.pool_hash {
        return Err(Mismatch(format!(
            "专家库摘要不符：公布 {}，按名单计算为 {hash}",
            record.pool_hash
        )));
    }
    let declined: Vec<i64> = record
        .picks
        .iter()
        .filter(|p| p.declined)
        .map(|p| p.expert)
        .collect();
    let again = derive(&sorted, &record.seeds, record.count, &declined);
    if again != record.picks {
        let at = again
            .iter()
            .zip(&record.picks)
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(record.picks.len()));
        return Err(Mismatch(format!(
            "第 {} 次抽取不符：公布 {}，重新计算为 {}",
            at + 1,
            record
                .picks
                .get(at)
                .map_or("（无）".into(), |p| p.expert.to_string()),
            again
                .get(at)
                .map_or("（无）".into(), |p| p.expert.to_string()),
        )));
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_hash_is_of_the_ids_in_ascending_decimal_lines() {
        // SHA-256("1\n2\n10")
        let mut h = Sha256::new();
        h.update(b"1\n2\n10");
        assert_eq!(pool_hash(&[10, 2, 1]), hex(&h.finalize()));
    }

    #[test]
    fn a_draw_is_the_same_from_the_same_inputs_and_changes_with_a_seed() {
        let pool: Vec<i64> = (1..=50).collect();
        let seeds = vec!["official-1: 8274".to_owned(), "receipt: ab12".to_owned()];
        let a = derive(&pool, &seeds, 5, &[]);
        assert_eq!(a.len(), 5);
        assert_eq!(a, derive(&pool, &seeds, 5, &[]));
        let mut ids: Vec<i64> = a.iter().map(|p| p.expert).collect();
        ids.dedup();
        assert_eq!(ids.len(), 5);
        let other = derive(&pool, &["official-1: 8275".to_owned()], 5, &[]);
        assert_ne!(a, other);
    }

    #[test]
    fn a_decline_is_replaced_by_the_next_pick() {
        let pool: Vec<i64> = (100..130).collect();
        let seeds = vec!["x".to_owned()];
        let first = derive(&pool, &seeds, 3, &[]);
        let declined = [first[1].expert];
        let again = derive(&pool, &seeds, 3, &declined);
        assert_eq!(again.len(), 4);
        assert_eq!(
            &again[..3],
            &[
                first[0],
                Pick {
                    declined: true,
                    ..first[1]
                },
                first[2]
            ]
        );
        assert_eq!(again[3].i, 3);
        let record = DrawRecord {
            pool: pool.clone(),
            pool_hash: pool_hash(&pool),
            seeds: seeds.clone(),
            count: 3,
            picks: again.clone(),
        };
        assert!(verify(&record).is_ok());
        let mut forged = record.clone();
        forged.picks[0].expert = 129;
        assert!(verify(&forged).unwrap_err().0.contains("第 1 次"));
        let mut late = record;
        late.pool.push(999);
        assert!(verify(&late).unwrap_err().0.contains("摘要不符"));
    }

    #[test]
    fn a_small_pool_runs_out_without_looping() {
        assert_eq!(derive(&[7, 8], &[], 5, &[]).len(), 2);
        assert!(derive(&[], &[], 5, &[]).is_empty());
    }
}
