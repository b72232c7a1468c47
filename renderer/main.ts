import { createApp } from 'vue';
import { createPinia } from 'pinia';
import { installApi } from './api';
import { webClientForPage } from './api/web-client';
import { createBridgeClient } from './api/bridge-client';
import App from './App.vue';
import './styles/base.css';

// Electron's preload exposes the API on window.fusebench (with native menu commands); a plain browser talks to the web host.
const bridge = window.fusebench;
if (bridge)
  installApi(
    createBridgeClient(bridge),
    { nativeDialogs: true, browserDownloads: false },
    typeof bridge.onMenuCommand === 'function' ? { onMenuCommand: bridge.onMenuCommand } : undefined,
  );
else installApi(webClientForPage(window.location, window.history, window.sessionStorage), { nativeDialogs: false, browserDownloads: true });

createApp(App).use(createPinia()).mount('#app');
