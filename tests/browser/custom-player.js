// A custom player: /watch?id=…&format=json gives every asset URL with the session (avh)
// already applied; only HLS's own requests (variant playlists, segments) need it added.
const id = new URLSearchParams(location.search).get('id');
const { title, session, assets } = await (await fetch(`/watch?id=${encodeURIComponent(id)}&format=json`)).json();
const thumb = document.getElementById('thumb');
const video = document.getElementById('video');
Object.assign(thumb, { src: assets.thumbnail, alt: `Play: ${title}` });
thumb.addEventListener('click', () => {
  thumb.hidden = true;
  video.hidden = false;
  const playDirect = () => { video.src = assets.mp4 || assets.hls; video.play(); };  // MP4, else the browser's HLS
  if (!assets.hls || !window.Hls || !Hls.isSupported()) return playDirect();
  const hls = new Hls({
    xhrSetup(xhr, url) {  // a playlist's relative URIs lose avh: add it back
      const u = new URL(url);
      if (session && !u.searchParams.has('avh')) u.searchParams.set('avh', session.token);
      xhr.open('GET', u.href, true);
    },
  });
  hls.on(Hls.Events.ERROR, (_, data) => { if (data.fatal && assets.mp4) { hls.destroy(); playDirect(); } });
  hls.loadSource(assets.hls);
  hls.attachMedia(video);
  video.play();
}, { once: true });
