import { describe, expect, it } from '@jest/globals';
import { escapeHtml } from '../src/summary.js';

describe('escapeHtml', () => {
  it.each([
    ['<b>web</b> & "api"', '&lt;b&gt;web&lt;/b&gt; &amp; &quot;api&quot;'],
    // A blank line would end the HTML block and let GitHub render the rest as Markdown.
    ['line 1\n\n![x](https://tracker.example/p.png)', 'line 1&#10;&#10;![x](https://tracker.example/p.png)'],
    ['a\r\nb', 'a&#13;&#10;b'],
    ['&lt;', '&amp;lt;'],
    ['web:41 → web:40', 'web:41 → web:40'],
  ])('%j → %j', (text, expected) => {
    expect(escapeHtml(text)).toBe(expected);
  });
});
