//! How a big file is cut into parts (S3 multipart): the threshold, the part
//! size, and each part's length, shared by the browser and the server so both
//! cut the same file the same way.

use crate::model::PartPlan;

/// Files above this go up in parts (when the client can send parts).
pub const MULTIPART_THRESHOLD: u64 = 16 * 1024 * 1024;
/// Every part but the last has this many bytes (S3's minimum is 5 MiB).
pub const PART_SIZE: u64 = 8 * 1024 * 1024;
/// Part URLs one `sign_parts` call may ask for.
pub const MAX_PARTS_PER_SIGN: usize = 64;

impl PartPlan {
    /// The plan for a file of `size` bytes, or `None` when it goes in one PUT.
    pub fn for_size(size: u64) -> Option<Self> {
        (size > MULTIPART_THRESHOLD).then(|| Self {
            part_size: PART_SIZE,
            parts: size.div_ceil(PART_SIZE) as u32,
            done: Vec::new(),
        })
    }

    /// Bytes in part `number` (1-based) of a `size`-byte file; `None` outside the plan.
    pub fn part_len(&self, size: u64, number: u32) -> Option<u64> {
        if number == 0 || number > self.parts {
            return None;
        }
        let start = (number as u64 - 1) * self.part_size;
        Some((size - start).min(self.part_size))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_files_go_in_one_put() {
        assert_eq!(PartPlan::for_size(MULTIPART_THRESHOLD), None);
        assert_eq!(PartPlan::for_size(1), None);
    }

    #[test]
    fn big_files_are_cut_into_eight_mib_parts_with_a_short_last_one() {
        let size = 90 * 1024 * 1024 + 5;
        let plan = PartPlan::for_size(size).unwrap();
        assert_eq!(plan.parts, 12);
        assert_eq!(plan.part_len(size, 1), Some(PART_SIZE));
        assert_eq!(plan.part_len(size, 11), Some(PART_SIZE));
        assert_eq!(plan.part_len(size, 12), Some(size - 11 * PART_SIZE));
        assert_eq!(plan.part_len(size, 0), None);
        assert_eq!(plan.part_len(size, 13), None);
        let total: u64 = (1..=plan.parts).map(|n| plan.part_len(size, n).unwrap()).sum();
        assert_eq!(total, size);
    }

    #[test]
    fn an_exact_multiple_has_no_empty_last_part() {
        let size = 3 * PART_SIZE;
        let plan = PartPlan::for_size(size).unwrap();
        assert_eq!(plan.parts, 3);
        assert_eq!(plan.part_len(size, 3), Some(PART_SIZE));
    }
}
