import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import PresenterView from './views/PresenterView.vue'
import './styles/theme.css'
import './styles/base.css'

// '#presenter': the presenter window (or tab), which follows the instructor's stepping.
const root = window.location.hash === '#presenter' ? PresenterView : App
createApp(root).use(createPinia()).mount('#app')
