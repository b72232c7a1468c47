import { createApp } from 'vue';
import { createPinia } from 'pinia';
import { installApi } from './api';
import { webClientForPage } from './api/web-client';
import App from './App.vue';
import './styles/base.css';

// Electron's preload exposes the API on window.fusebench; a plain browser talks to the web host.
if (window.fusebench) installApi(window.fusebench, { nativeDialogs: true, browserDownloads: false });
else installApi(webClientForPage(window.location), { nativeDialogs: false, browserDownloads: true });

createApp(App).use(createPinia()).mount('#app');
