//! `wxpay upload-image --file PATH` against the embedded sandbox: the catalogue's file parameter
//! becomes a `--file` flag, the file is read from the path and named by its last component, the
//! spec's limits are checked before sending (naming the flag), and `--dry-run` shows the
//! multipart request with the file's bytes summarised.

use serde_json::Value;
use wechatpay_apiv3::api::UploadImage;
use wechatpay_apiv3::multipart::sha256_hex;

mod support;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01";

/// Writes `bytes` to `name` in the test's folder; its path as text.
fn file(world: &support::World, name: &str, bytes: &[u8]) -> String {
    let path = world.dir.join(name);
    std::fs::write(&path, bytes).expect("write the test file");
    path.to_string_lossy().into_owned()
}

#[test]
fn an_image_uploads_from_a_path() {
    let world = support::start("wxpay-upload");
    let path = file(&world, "logo.png", PNG);
    let (code, stdout, stderr) = world.wxpay(&["upload-image", "--file", &path]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let answer: Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(
        answer["media_url"],
        format!("https://wxpaylogo.qpic.cn/mmpaymkt/{}", sha256_hex(PNG))
    );

    // The help says what the flag takes.
    let (code, stdout, _) = world.wxpay(&["upload-image", "--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("--file <path>"), "{stdout}");

    // A dry run shows the multipart request and what is signed, the file's bytes summarised.
    let (code, stdout, stderr) = world.wxpay(&["upload-image", "--file", &path, "--dry-run"]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Content-Type: multipart/form-data; boundary="),
        "{stdout}"
    );
    let meta = format!(
        r#"{{"filename":"logo.png","sha256":"{}"}}"#,
        sha256_hex(PNG)
    );
    assert!(stdout.contains(&meta), "{stdout}");
    assert!(
        stdout.contains(&format!("<{} bytes>", PNG.len())),
        "{stdout}"
    );
}

#[test]
fn files_the_spec_refuses_and_bad_paths_fail_before_sending() {
    let world = support::start("wxpay-upload-refused");
    let gif = file(&world, "anim.gif", b"GIF89a");
    let (code, _, stderr) = world.wxpay(&["upload-image", "--file", &gif]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("file.filename"), "{stderr}");
    assert!(stderr.contains(".jpg, .bmp or .png"), "{stderr}");
    assert!(stderr.contains("--file"), "{stderr}");

    let max = usize::try_from(UploadImage::UPLOAD.max_bytes).expect("fits");
    let big = file(&world, "big.jpg", &vec![0; max + 1]);
    let (code, _, stderr) = world.wxpay(&["upload-image", "--file", &big]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("file.bytes"), "{stderr}");
    assert!(stderr.contains(&format!("at most {max}")), "{stderr}");

    let missing = world.dir.join("nowhere.png");
    let (code, _, stderr) = world.wxpay(&["upload-image", "--file", &missing.to_string_lossy()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");

    let dir = world.dir.to_string_lossy().into_owned();
    let (code, _, stderr) = world.wxpay(&["upload-image", "--file", &dir]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("not a regular file"), "{stderr}");

    let (code, _, stderr) = world.wxpay(&["upload-image"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--file"), "{stderr}");
}
