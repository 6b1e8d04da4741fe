//! `gen-corpus`: writes a synthetic CloudTrail corpus in the real bucket layout.
//!
//! ```sh
//! cargo run --release --example gen-corpus -- --size 1GB --seed 1 --out DIR [--small-objects]
//! ```
//!
//! What it writes, and how realistic it is: `sample-trails/corpus.rs`.

#[path = "corpus.rs"]
mod corpus;

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

/// Writes a synthetic CloudTrail corpus (gzipped `{"Records":[…]}` objects under
/// `OUT/AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/`) and `OUT/corpus.manifest`.
#[derive(Debug, Parser)]
#[command(name = "gen-corpus")]
struct Args {
    /// Uncompressed JSON to write: 10MB … 10GB (decimal units; KiB/MiB/GiB binary).
    #[arg(long, value_parser = size)]
    size: u64,
    /// Seed: the same seed and size give the same corpus.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Output directory (created; must not hold AWSLogs/ unless --force).
    #[arg(long)]
    out: PathBuf,
    /// ~2 KB objects of 1–6 records instead of realistic 5-minute deliveries.
    #[arg(long)]
    small_objects: bool,
    /// Delete an existing OUT/AWSLogs first.
    #[arg(long)]
    force: bool,
    /// Keep OUT as it is if its manifest says it was made with these options by this
    /// version of the generator; otherwise regenerate it (deleting OUT/AWSLogs).
    #[arg(long, conflicts_with = "force")]
    reuse: bool,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

fn size(s: &str) -> Result<u64, String> {
    let v = corpus::parse_size(s).ok_or_else(|| format!("`{s}` is not a size (10MB, 1GB, …)"))?;
    if (corpus::MIN_SIZE..=corpus::MAX_SIZE).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "size must be between {} MB and {} GB",
            corpus::MIN_SIZE / 1_000_000,
            corpus::MAX_SIZE / 1_000_000_000
        ))
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a = Args::parse();
    if let Some(n) = a.threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()?;
    }
    let opts = corpus::Options {
        size: a.size,
        seed: a.seed,
        small_objects: a.small_objects,
    };
    if a.reuse
        && let Some(c) = corpus::load(&a.out, &opts)
    {
        println!(
            "reusing {}: {} objects, {} records, {:.1} MB JSON",
            c.logs().display(),
            c.objects,
            c.records,
            c.json_bytes as f64 / 1e6
        );
        return Ok(());
    }
    let logs = a.out.join("AWSLogs");
    if logs.exists() && a.reuse {
        std::fs::remove_dir_all(&logs)?;
    }
    if logs.exists() {
        if !a.force {
            return Err(format!("{} exists; remove it or pass --force", logs.display()).into());
        }
        std::fs::remove_dir_all(&logs)?;
    }
    std::fs::create_dir_all(&a.out)?;
    let start = Instant::now();
    let c = corpus::generate(&a.out, &opts)?;
    let secs = start.elapsed().as_secs_f64();
    let mb = |b: u64| b as f64 / 1e6;
    println!(
        "wrote {} objects, {} records: {:.1} MB JSON, {:.1} MB gzip (ratio {:.1}), {:.0} B/record, {:.1} KB/object gzipped",
        c.objects,
        c.records,
        mb(c.json_bytes),
        mb(c.gz_bytes),
        c.json_bytes as f64 / c.gz_bytes.max(1) as f64,
        c.json_bytes as f64 / c.records.max(1) as f64,
        c.gz_bytes as f64 / c.objects.max(1) as f64 / 1e3,
    );
    println!(
        "in {secs:.1} s ({:.0} MB/s of JSON) on {} threads",
        mb(c.json_bytes) / secs,
        rayon::current_num_threads()
    );
    println!(
        "busy principal: {} ({} records); logs: {}",
        corpus::BUSY_PRINCIPAL,
        c.busy_records,
        c.logs().display()
    );
    Ok(())
}
