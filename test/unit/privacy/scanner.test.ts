import assert from 'node:assert/strict';
import { Scanner, detectorNames, type Finding } from '../../../proxy/privacy/scanner';
import { ibanValid, luhnValid } from '../../../proxy/privacy/pii-detectors';
import { assignmentSamples, ordinaryCode, piiSamples, secretSamples } from './corpus';

const everything = new Scanner({ detectors: [...detectorNames], custom: [], allow: [] });

/** Whether the findings cover the whole value where it sits in the text. */
function covers(findings: Finding[], text: string, value: string): boolean {
  const start = text.indexOf(value);
  const end = start + value.length;
  return findings.some((finding) => finding.start <= start && finding.end >= end);
}

describe('privacy scanner', () => {
  it('finds at least 99% of a corpus of realistic secrets, each whole', () => {
    const samples = secretSamples();
    const missed = samples.filter((sample) => !covers(everything.scan(sample.text), sample.text, sample.value));
    const recall = 1 - missed.length / samples.length;
    assert.ok(recall >= 0.99, `recall ${(recall * 100).toFixed(1)}%; missed ${missed.slice(0, 5).map((sample) => `${sample.kind}: ${sample.text}`).join(' | ')}`);
  });

  it('finds at least 95% of a corpus of realistic personal data, each whole', () => {
    const samples = piiSamples();
    const missed = samples.filter((sample) => !covers(everything.scan(sample.text), sample.text, sample.value));
    const recall = 1 - missed.length / samples.length;
    assert.ok(recall >= 0.95, `recall ${(recall * 100).toFixed(1)}%; missed ${missed.slice(0, 8).map((sample) => `${sample.kind}: ${sample.text}`).join(' | ')}`);
  });

  it('flags under 1% of ordinary source code (hashes, UUIDs, base64 test data, versions)', () => {
    const lines = ordinaryCode();
    const flagged = lines.filter((line) => everything.scan(line).length > 0);
    const rate = flagged.length / lines.length;
    assert.ok(rate < 0.01, `flagged ${(rate * 100).toFixed(2)}%: ${flagged.slice(0, 8).join(' | ')}`);
  });

  it('finds a credential in every assignment form the raw-body prefilter tells from ordinary code', () => {
    const missed = assignmentSamples().filter((sample) => !covers(everything.scan(sample.text), sample.text, sample.value));
    assert.deepEqual(missed.map((sample) => `${sample.kind}: ${sample.text}`), []);
  });

  it('redacts the AWS documentation example key that other rule sets allow-list', () => {
    const findings = everything.scan('aws_access_key_id = AKIAIOSFODNN7EXAMPLE');
    assert.deepEqual(findings.map((finding) => finding.kind), ['AWS_KEY']);
  });

  it('types each finding and names its detector', () => {
    const text = 'mail jane@example.com, key ghp_' + 'a'.repeat(36) + ', card 4111 1111 1111 1111, iban DE89370400440532013000, ip 10.1.2.3, call +44 20 7946 0958';
    const kinds = everything.scan(text).map((finding) => `${finding.detector}:${finding.kind}`);
    assert.deepEqual(kinds, ['email:EMAIL', 'secrets:GITHUB_TOKEN', 'credit-card:CARD', 'iban:IBAN', 'ip-address:IP', 'phone:PHONE']);
  });

  it('keeps allow-listed values and applies only the detectors chosen', () => {
    const scanner = new Scanner({ detectors: ['email'], custom: [], allow: ['NoReply@Example.com'] });
    assert.deepEqual(scanner.scan('from noreply@example.com to jane@example.com, ip 10.1.2.3').map((finding) => finding.kind), ['EMAIL']);
  });

  it('runs custom patterns and types their placeholders by name', () => {
    const scanner = new Scanner({ detectors: [], custom: [{ name: 'ticket-id', pattern: /TCK-[0-9]{6}/g }], allow: [] });
    assert.deepEqual(scanner.scan('see TCK-123456 and TCK-654321'), [
      { start: 4, end: 14, detector: 'ticket-id', kind: 'TICKET_ID' },
      { start: 19, end: 29, detector: 'ticket-id', kind: 'TICKET_ID' },
    ]);
  });

  it('validates card numbers with Luhn and IBANs with their checksum', () => {
    assert.equal(luhnValid('4111111111111111'), true);
    assert.equal(luhnValid('4111111111111112'), false);
    assert.equal(ibanValid('GB82WEST12345698765432'), true);
    assert.equal(ibanValid('GB82WEST12345698765433'), false);
    assert.deepEqual(everything.scan('order 4111111111111112 shipped'), []);
  });
});
