// The static bucket's expiry, run by CloudFormation after each deploy that
// changes the static files: an object no current name refers to is tagged
// with the time it was superseded; one that is named again (a rollback) is
// untagged; one superseded days ago or more is deleted.
const TAG = 'webapp-superseded';

async function expire(s3, current, days, now) {
  const keep = new Set(current), done = { tagged: 0, untagged: 0, deleted: 0 };
  let token;
  do {
    const page = await s3.list(token);
    for (const key of page.keys) {
      const tags = await s3.getTags(key), since = tags.find((t) => t.Key === TAG);
      const others = tags.filter((t) => t.Key !== TAG);
      if (keep.has(key)) {
        if (since) { await s3.putTags(key, others); done.untagged++; }
      } else if (!since) {
        await s3.putTags(key, [...others, { Key: TAG, Value: now.toISOString() }]); done.tagged++;
      } else if (now - Date.parse(since.Value) >= days * 86400000) {
        await s3.delete(key); done.deleted++;
      }
    }
    token = page.next;
  } while (token);
  return done;
}

function bucketClient(bucket) {
  const sdk = require('@aws-sdk/client-s3'), c = new sdk.S3Client({});
  return {
    list: async (token) => {
      const r = await c.send(new sdk.ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      return { keys: (r.Contents || []).map((o) => o.Key), next: r.NextContinuationToken };
    },
    getTags: async (key) => (await c.send(new sdk.GetObjectTaggingCommand({ Bucket: bucket, Key: key }))).TagSet || [],
    putTags: (key, tags) => c.send(new sdk.PutObjectTaggingCommand({ Bucket: bucket, Key: key, Tagging: { TagSet: tags } })),
    delete: (key) => c.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key })),
  };
}

function respond(event, status, reason) {
  const body = JSON.stringify({ Status: status, Reason: reason, PhysicalResourceId: 'static-expiry',
    StackId: event.StackId, RequestId: event.RequestId, LogicalResourceId: event.LogicalResourceId });
  return new Promise((resolve, reject) => {
    const req = require('https').request(event.ResponseURL,
      { method: 'PUT', headers: { 'content-type': '', 'content-length': Buffer.byteLength(body) } },
      (res) => { res.resume(); res.on('end', resolve); });
    req.on('error', reject);
    req.end(body);
  });
}

exports.expire = expire;
exports.handler = async (event) => {
  try {
    if (event.RequestType !== 'Delete') { // the bucket is retained: leave it as it is
      const p = event.ResourceProperties;
      console.log(JSON.stringify(await expire(bucketClient(p.BucketName), p.Keys, Number(p.ExpireAfterDays), new Date())));
    }
    await respond(event, 'SUCCESS', 'done');
  } catch (e) {
    console.error(e);
    await respond(event, 'FAILED', String(e.message || e).slice(0, 200));
  }
};
