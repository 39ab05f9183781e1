// Runs CloudFront Functions for the local site: one long-lived node process,
// one JSON message a line on stdin and stdout.
//
//   {"id":1,"op":"load","name":"F","code":"function handler(event) {…}"}
//   {"id":2,"op":"run","name":"F","event":{…}}
//   → {"id":2,"ok":true,"result":{…}}  or  {"id":2,"ok":false,"error":"…"}
//
// Each function gets its own V8 context with what the cloudfront-js
// runtimes offer: console (to stderr), require('crypto') and
// require('querystring'). require('cloudfront') (KeyValueStore) throws:
// there is no KeyValueStore locally. A run may take 1 s of CPU at most
// (CloudFront allows about 1 ms).
"use strict";

const vm = require("vm");
const readline = require("readline");

const functions = new Map();

function cloudfrontRequire(name) {
  switch (name) {
    case "crypto":
      return require("crypto");
    case "querystring":
      return require("querystring");
    case "cloudfront":
      throw new Error("KeyValueStore (require('cloudfront')) is not emulated by the local site");
  }
  throw new Error("Cannot find module '" + name + "'");
}

function load(name, code) {
  const log = (...args) => process.stderr.write("CloudFront Function " + name + ": " + args.join(" ") + "\n");
  const context = vm.createContext({
    console: { log, info: log, warn: log, error: log, debug: log },
    require: cloudfrontRequire,
    Buffer,
  });
  new vm.Script(code, { filename: name + ".js" }).runInContext(context, { timeout: 1000 });
  if (typeof context.handler !== "function") {
    throw new Error("the function's code defines no handler(event)");
  }
  functions.set(name, context);
}

async function run(name, event) {
  const context = functions.get(name);
  if (!context) throw new Error("function " + name + " is not loaded");
  context.__event = JSON.stringify(event);
  const result = await vm.runInContext("handler(JSON.parse(__event))", context, { timeout: 1000 });
  return JSON.parse(JSON.stringify(result === undefined ? null : result));
}

const rl = readline.createInterface({ input: process.stdin, terminal: false });
rl.on("line", async (line) => {
  let msg;
  try {
    msg = JSON.parse(line);
  } catch (e) {
    return;
  }
  let reply;
  try {
    if (msg.op === "load") {
      load(msg.name, msg.code);
      reply = { id: msg.id, ok: true, result: null };
    } else {
      reply = { id: msg.id, ok: true, result: await run(msg.name, msg.event) };
    }
  } catch (e) {
    reply = { id: msg.id, ok: false, error: e && e.stack ? e.stack : String(e) };
  }
  process.stdout.write(JSON.stringify(reply) + "\n");
});
rl.on("close", () => process.exit(0));
