//! Peak memory of uploading and downloading a 30 MB file, the largest Feishu takes.
//!
//! The fake Feishu runs in this process and the client in a child process (this program again,
//! with `--client`), so that the child's peak resident set is the client's alone. The child
//! measures its resident set once it has made one small call (idle), then uploads the file
//! from disk and streams the download back to disk, and reports its peak. A client that
//! buffered whole bodies would peak above idle by the file's size, or twice it.
//!
//! `cargo xtask bench-memory` runs it in release mode and prints the table.

use std::process::Command;
use std::time::Instant;

use feishu_fake::FakeFeishu;
use feishu_im::Resources;
use feishu_im::v1::files;
use feishu_im::{Client, Credentials, FileType, FileUpload};
use tokio::io::AsyncWriteExt;

const SIZE: u64 = 30 * 1024 * 1024;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, base_url] = &args[..]
        && flag == "--client"
    {
        return client(base_url).await;
    }
    let fake = FakeFeishu::start().await;
    let output = tokio::task::spawn_blocking({
        let base_url = fake.base_url().to_owned();
        move || Command::new(std::env::current_exe()?).args(["--client", &base_url]).output()
    })
    .await??;
    if !output.status.success() {
        return Err(
            format!("the client failed: {}", String::from_utf8_lossy(&output.stderr)).into()
        );
    }
    print!("{}", String::from_utf8_lossy(&output.stdout));
    Ok(())
}

/// The client's side: idle and peak resident set around a 30 MB round trip.
async fn client(base_url: &str) -> Result<(), Box<dyn std::error::Error>> {
    let client =
        Client::builder(Credentials::custom_app(FakeFeishu::APP_ID, FakeFeishu::APP_SECRET))
            .base_url(base_url)
            .build()?;
    let dir = std::env::temp_dir().join(format!("feishu-im-transfer-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (source, target) = (dir.join("upload.bin"), dir.join("download.bin"));

    // Warm up: a token, a connection and a small upload, so that idle includes them.
    let small = FileUpload::from_bytes("small.bin", vec![1u8; 1024]);
    client.files().create(&files::CreateRequest::new(FileType::Stream, "small.bin", small)).await?;
    let idle = kib("VmRSS")?;

    // The file is written in 1 MiB chunks, so writing it costs no memory either.
    let mut file = tokio::fs::File::create(&source).await?;
    let chunk: Vec<u8> = (0..1024 * 1024).map(|i| (i % 251) as u8).collect();
    for _ in 0..SIZE / chunk.len() as u64 {
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    drop(file);

    let started = Instant::now();
    let upload = FileUpload::from_path(&source);
    let request = files::CreateRequest::new(FileType::Stream, "upload.bin", upload);
    let key = client.files().create(&request).await?.file_key;
    let uploaded = started.elapsed();
    let started = Instant::now();
    let download = client.files().get(&files::GetRequest::new(&key)).await?;
    let mut out = tokio::fs::File::create(&target).await?;
    let written = download.write_to(&mut out).await?;
    let downloaded = started.elapsed();
    let peak = kib("VmHWM")?;
    let same = written == SIZE && std::fs::read(&source)? == std::fs::read(&target)?;
    std::fs::remove_dir_all(&dir)?;

    let target_kib = 2 * idle + 8 * 1024;
    println!("| measure | value |");
    println!("|---|---|");
    println!("| file | {} MiB |", SIZE / (1024 * 1024));
    println!("| idle RSS (after one small call) | {:.1} MiB |", mib(idle));
    println!("| peak RSS (upload + download) | {:.1} MiB |", mib(peak));
    println!("| peak − idle | {:.1} MiB |", mib(peak.saturating_sub(idle)));
    println!("| target: 2 × idle + 8 MiB | {:.1} MiB |", mib(target_kib));
    println!("| within target | {} |", if peak < target_kib { "yes" } else { "no" });
    println!("| upload / download time | {uploaded:.2?} / {downloaded:.2?} |");
    println!("| bytes back unchanged | {same} |");
    Ok(())
}

/// A `/proc/self/status` figure in KiB (`VmRSS` now, `VmHWM` the peak); Linux only.
fn kib(field: &str) -> Result<u64, Box<dyn std::error::Error>> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    let line = status
        .lines()
        .find(|l| l.starts_with(field))
        .ok_or_else(|| format!("no {field} in /proc/self/status"))?;
    Ok(line.split_whitespace().nth(1).unwrap_or("0").parse()?)
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
