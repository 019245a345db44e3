/* The live page at / and the JSON at /state.
 *
 * The page is deliberately small and self-contained (no external scripts or fonts, so it
 * works on an isolated lab network): the MJPEG stream in an <img>, a button that downloads
 * the current frame as PNG, and a line with the instrument, the link state and the frame
 * rates, refreshed from /state once a second. URLs are relative so the page also works
 * behind a reverse proxy under a sub-path. */
#include "stream/http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char PAGE[] =
    "<!doctype html>\n"
    "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
    "<title>scopecap live</title>\n"
    "<style>\n"
    "body{margin:0;background:#15171d;color:#d8dae0;font:14px/1.4 system-ui,sans-serif}\n"
    "header{display:flex;gap:16px;align-items:center;padding:8px 12px;background:#1f222b}\n"
    "#inst{font-weight:600}#info{color:#9aa0ae;flex:1}\n"
    "a.button{color:#15171d;background:#f0c83c;padding:5px 12px;border-radius:4px;text-decoration:none;font-weight:600}\n"
    "main{padding:12px}img{display:block;max-width:100%%;height:auto;image-rendering:pixelated;background:#000}\n"
    ".down{color:#ff7a6b}\n"
    "</style></head><body>\n"
    "<header><span id=\"inst\">scopecap</span><span id=\"info\">connecting...</span>\n"
    "<a class=\"button\" id=\"snap\" href=\"snapshot.png\" download=\"scope.png\">Snapshot (PNG)</a></header>\n"
    "<main><img id=\"live\" src=\"stream\" width=\"%d\" height=\"%d\" alt=\"live screen\"></main>\n"
    "<script>\n"
    "const $=id=>document.getElementById(id);\n"
    "$('snap').addEventListener('click',()=>{\n"
    "  const t=new Date().toISOString().replace(/[:.]/g,'-').slice(0,19);\n"
    "  $('snap').download='scope-'+t+'.png';});\n"
    "async function poll(){\n"
    "  try{const r=await fetch('state',{cache:'no-store'});const s=await r.json();\n"
    "    $('inst').textContent=s.source.label||'scopecap';\n"
    "    let t='link '+s.source.state+' | '+s.source.input_fps.toFixed(1)+' fps in | '+\n"
    "      s.http.fps_per_client.toFixed(1)+' fps to each of '+s.http.clients+' viewer(s) | latency '+\n"
    "      Math.round(s.source.latency_ms)+' ms';\n"
    "    if(s.source.reason)t+=' | '+s.source.reason;\n"
    "    $('info').textContent=t;$('info').className=s.source.state=='up'?'':'down';\n"
    "  }catch(e){$('info').textContent='server unreachable';$('info').className='down';}\n"
    "  setTimeout(poll,1000);}\n"
    "poll();\n"
    "</script></body></html>\n";

char *sc_http_page(const http_sink *h)
{
    size_t cap = sizeof PAGE + 32;
    char *out = malloc(cap);
    if (out)
        snprintf(out, cap, PAGE, sc_stream_width(h->base.stream), sc_stream_height(h->base.stream));
    return out;
}

/* Append `s` as a JSON string body (without quotes). */
static void json_escape(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; *s && o + 7 < cap; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[o++] = '\\';
            out[o++] = (char)ch;
        } else if (ch < 0x20 || ch >= 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
        } else {
            out[o++] = (char)ch;
        }
    }
    out[o] = '\0';
}

char *sc_http_state_json(http_sink *h)
{
    sc_stream_stats st;
    sc_stream_get_stats(h->base.stream, &st);
    sc_sink_stats ks;
    sc_sink_get_stats(&h->base, &ks);
    sc_frame *f = sc_stream_latest(h->base.stream);
    char label[sizeof st.label * 6 + 1], reason[sizeof st.reason * 6 + 1];
    json_escape(label, sizeof label, st.label);
    json_escape(reason, sizeof reason, st.reason);
    size_t cap = strlen(label) + strlen(reason) + 1024;
    char *out = malloc(cap);
    if (out)
        snprintf(out, cap,
                 "{\"ok\":true,"
                 "\"source\":{\"label\":\"%s\",\"state\":\"%s\",\"online\":%s,\"reason\":\"%s\","
                 "\"width\":%d,\"height\":%d,\"input_fps\":%.2f,\"latency_ms\":%.1f,\"convert_ms\":%.2f,"
                 "\"captures\":%llu,\"distinct\":%llu,\"reconnects\":%llu},"
                 "\"frame\":{\"seq\":%llu,\"kind\":\"%s\",\"timestamp\":%lld.%06lld},"
                 "\"http\":{\"clients\":%d,\"parts_sent\":%llu,\"fps_per_client\":%.2f}}\n",
                 label, sc_link_state_name(st.state), st.state == SC_LINK_UP ? "true" : "false", reason,
                 sc_stream_width(h->base.stream), sc_stream_height(h->base.stream), st.input_fps, st.latency_ms,
                 st.convert_ms, (unsigned long long)st.captures, (unsigned long long)st.distinct,
                 (unsigned long long)st.reconnects, (unsigned long long)sc_frame_seq(f),
                 sc_frame_kind_name(sc_frame_kind_of(f)), (long long)(sc_frame_wall_us(f) / 1000000),
                 (long long)(sc_frame_wall_us(f) % 1000000), ks.clients, (unsigned long long)ks.frames, ks.fps);
    sc_frame_unref(f);
    return out;
}
