//! The AWS Regions and their partitions, one table for every user: `validate`
//! (`INVALID_ARN_REGION`, `INVALID_REGION` on `aws:RequestedRegion`) and the Athena DDL's
//! region projection (the commercial partition's).
//!
//! Source: the AWS General Reference, "Regions and Zones" (the Region codes) and "AWS
//! service endpoints" (each Region's partition: `aws`, `aws-cn` for the China Regions,
//! `aws-us-gov` for AWS GovCloud (US)). The isolated partitions' Regions are not listed
//! there and are left out.

/// One Region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Its code (`us-east-1`).
    pub name: &'static str,
    /// Its partition (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: &'static str,
}

const fn r(name: &'static str, partition: &'static str) -> Region {
    Region { name, partition }
}

/// The commercial partition.
pub const COMMERCIAL: &str = "aws";

/// Every Region, sorted by code.
pub const REGIONS: &[Region] = &[
    r("af-south-1", "aws"),
    r("ap-east-1", "aws"),
    r("ap-east-2", "aws"),
    r("ap-northeast-1", "aws"),
    r("ap-northeast-2", "aws"),
    r("ap-northeast-3", "aws"),
    r("ap-south-1", "aws"),
    r("ap-south-2", "aws"),
    r("ap-southeast-1", "aws"),
    r("ap-southeast-2", "aws"),
    r("ap-southeast-3", "aws"),
    r("ap-southeast-4", "aws"),
    r("ap-southeast-5", "aws"),
    r("ap-southeast-6", "aws"),
    r("ap-southeast-7", "aws"),
    r("ca-central-1", "aws"),
    r("ca-west-1", "aws"),
    r("cn-north-1", "aws-cn"),
    r("cn-northwest-1", "aws-cn"),
    r("eu-central-1", "aws"),
    r("eu-central-2", "aws"),
    r("eu-north-1", "aws"),
    r("eu-south-1", "aws"),
    r("eu-south-2", "aws"),
    r("eu-west-1", "aws"),
    r("eu-west-2", "aws"),
    r("eu-west-3", "aws"),
    r("il-central-1", "aws"),
    r("me-central-1", "aws"),
    r("me-south-1", "aws"),
    r("mx-central-1", "aws"),
    r("sa-east-1", "aws"),
    r("us-east-1", "aws"),
    r("us-east-2", "aws"),
    r("us-gov-east-1", "aws-us-gov"),
    r("us-gov-west-1", "aws-us-gov"),
    r("us-west-1", "aws"),
    r("us-west-2", "aws"),
];

/// Whether `name` is a Region code of any partition.
pub fn is_region(name: &str) -> bool {
    REGIONS.iter().any(|r| r.name == name)
}

/// The Region codes of `partition`, sorted.
pub fn in_partition(partition: &str) -> Vec<&'static str> {
    REGIONS
        .iter()
        .filter(|r| r.partition == partition)
        .map(|r| r.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_unique_and_every_partition_known() {
        assert!(REGIONS.windows(2).all(|w| w[0].name < w[1].name));
        assert!(
            REGIONS
                .iter()
                .all(|r| ["aws", "aws-cn", "aws-us-gov"].contains(&r.partition))
        );
        assert_eq!(in_partition("aws-cn"), ["cn-north-1", "cn-northwest-1"]);
        assert_eq!(
            in_partition("aws-us-gov"),
            ["us-gov-east-1", "us-gov-west-1"]
        );
        assert!(in_partition(COMMERCIAL).contains(&"ap-southeast-6"));
        assert!(is_region("us-gov-west-1") && !is_region("us-east-9"));
    }
}
