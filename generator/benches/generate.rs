//! How long generation takes: the real spec, and synthetic specs of 10, 100 and 1,000 operations
//! built in memory, to show growth is about linear.

#![allow(
    missing_docs,
    reason = "criterion_group! and criterion_main! generate undocumented items"
)]

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use wechatpay_generator::{Source, generate_sources, load};

fn real_spec() -> Vec<Source> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec");
    load::read_dir(&dir, "spec").unwrap_or_default()
}

/// One resource file per operation pair, each with its own body, response and query types.
fn synthetic(operations: usize) -> Vec<Source> {
    let mut sources = vec![Source {
        rel_path: "error-codes.yaml".into(),
        display: "spec/error-codes.yaml".into(),
        text: "spec: 1\nerror_codes:\n  PARAM_ERROR:\n    status: 400\n    doc: 参数错误\n".into(),
    }];
    for i in 0..operations.div_ceil(2) {
        let text = format!(
            r#"spec: 1
path: /v3/synthetic/r{i}/{{item_id}}/things
path_params:
  item_id: {{ type: string, required: true, max_length: 64, doc: 资源编号 }}
operations:
  post:
    id: create_thing_{i}
    summary: 创建
    idempotency_key: out_request_no
    body: CreateThing{i}Body
    response: Thing{i}
    errors: [PARAM_ERROR]
  get:
    id: list_things_{i}
    summary: 查询
    query:
      appid: {{ type: string, required: true, max_length: 32, doc: 应用 }}
      offset: {{ type: u32, doc: 页码 }}
      limit: {{ type: u32, minimum: 1, maximum: 100, default: 20, doc: 页大小 }}
      status: {{ type: Status{i}, doc: 状态 }}
    response: ThingPage{i}
    pagination: {{ style: item_offset, offset: offset, limit: limit, items: data, total: total_count }}
types:
  CreateThing{i}Body:
    doc: 请求
    fields:
      out_request_no: {{ type: string, required: true, max_length: 128, charset: "0-9A-Za-z_-", doc: 单号 }}
      amount: {{ type: money, required: true, minimum: 1, doc: 金额 }}
      note: {{ type: string, max_length: 200, doc: 备注 }}
      tags: {{ type: list, items: string, max_items: 10, doc: 标签 }}
  Thing{i}:
    doc: 结果
    fields:
      thing_id: {{ type: string, required: true, doc: 编号 }}
      created_at: {{ type: time, required: true, doc: 时间 }}
      status: {{ type: Status{i}, required: true, doc: 状态 }}
  ThingPage{i}:
    doc: 一页
    fields:
      data: {{ type: list, items: Thing{i}, doc: 结果 }}
      total_count: {{ type: u32, required: true, doc: 总数 }}
  Status{i}:
    doc: 状态
    enum:
      ACTIVE: 有效
      CLOSED: 关闭
"#
        );
        sources.push(Source {
            rel_path: format!("v3/synthetic/r{i}/_item_id_/things.yaml"),
            display: format!("spec/v3/synthetic/r{i}/_item_id_/things.yaml"),
            text,
        });
    }
    sources
}

fn bench(c: &mut Criterion) {
    let real = real_spec();
    assert!(
        generate_sources(&real, "spec").is_ok(),
        "the real spec must generate"
    );
    c.bench_function("generate/real_spec", |b| {
        b.iter(|| generate_sources(black_box(&real), "spec"))
    });

    let mut group = c.benchmark_group("generate/synthetic");
    group.sample_size(10);
    for operations in [10, 100, 1000] {
        let sources = synthetic(operations);
        assert!(
            generate_sources(&sources, "spec").is_ok(),
            "the synthetic spec must generate"
        );
        group.bench_with_input(
            BenchmarkId::from_parameter(operations),
            &sources,
            |b, sources| b.iter(|| generate_sources(black_box(sources), "spec")),
        );
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
