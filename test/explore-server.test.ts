/**
 * The explorer's HTTP server against hostile requests (issue #29, item 1), by real HTTP requests to a started server:
 * a URL that does not percent-decode is a 400 and the server keeps serving; a Host header other than a loopback name
 * with the server's port (a DNS-rebinding page) gets 421 and never the model.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { serveExplorer, type ExplorerServer } from "../src/cli/commands/explore.ts";

interface Reply {
  status: number;
  body: string;
}

/** GET `path` (sent as is, not re-encoded) with the given Host header. */
function get(port: number, path: string, host = `127.0.0.1:${port}`, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers: { host } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Send `text` on a TCP connection and collect everything the server answers until it closes. */
function raw(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.end(text));
    let got = "";
    socket.setEncoding("utf8");
    socket.on("data", (d) => (got += d));
    socket.on("error", reject);
    socket.on("close", () => resolve(got));
  });
}

describe("tessera explore's server", () => {
  let server: ExplorerServer;
  const MODEL = '{"format":"tessera","secret":"weights"}';
  before(async () => {
    const root = mkdtempSync(join(tmpdir(), "tessera-explore-"));
    writeFileSync(join(root, "index.html"), "<!doctype html><title>explorer</title>");
    server = await serveExplorer({ root, port: 0, model: { name: "m.json", json: MODEL } });
  });
  after(async () => server.close());

  it("answers GET /% and /%ZZ (the issue's probes) and bad UTF-8 with 400, and keeps serving afterwards", async () => {
    for (const probe of ["/%", "/%ZZ", "/%C0%AF", "/a%E0%A4%A"]) {
      const r = await get(server.port, probe);
      assert.equal(r.status, 400, probe);
      assert.match(r.body, /malformed URL/);
    }
    const after = await get(server.port, "/");
    assert.equal(after.status, 200);
    assert.match(after.body, /explorer/);
  });

  it("serves the page and the model to Host 127.0.0.1, localhost and [::1] with its port", async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `[::1]:${server.port}`, `LOCALHOST:${server.port}`]) {
      const r = await get(server.port, "/model", host);
      assert.equal(r.status, 200, host);
      assert.equal(r.body, MODEL);
    }
  });

  it("refuses a rebinding page's Host (another name, another port, none at all) with 421 and without the model", async () => {
    for (const host of [`evil.example:${server.port}`, "evil.example", `127.0.0.1:${server.port + 1}`, "127.0.0.1", `127.0.0.1.evil.example:${server.port}`]) {
      for (const path of ["/model", "/", "/index.html"]) {
        const r = await get(server.port, path, host);
        assert.equal(r.status, 421, `${host} ${path}`);
        assert.ok(!r.body.includes("weights") && !r.body.includes("explorer"), `${host} ${path}: nothing served`);
      }
    }
    const head = await get(server.port, "/model", `evil.example:${server.port}`, "HEAD");
    assert.equal(head.status, 421);
    // HTTP/1.0 allows a request without Host: refused too.
    const bare = await raw(server.port, "GET /model HTTP/1.0\r\n\r\n");
    assert.match(bare, /^HTTP\/1\.1 421 /);
    assert.ok(!bare.includes("weights"));
  });

  it("still refuses other methods and paths outside its folder", async () => {
    assert.equal((await get(server.port, "/model", undefined, "POST")).status, 405);
    assert.equal((await get(server.port, "/..%2f..%2fetc%2fpasswd")).status, 403);
    assert.equal((await get(server.port, "/missing.js")).status, 404);
  });
});
