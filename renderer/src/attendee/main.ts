import { createApp } from 'vue'
import AttendeeApp from './AttendeeApp.vue'
import '../styles/theme.css'
import '../styles/base.css'

createApp(AttendeeApp).mount('#app')
